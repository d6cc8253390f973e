// Anchors of the audit chain kept in a file outside the database (audit_log.h: an anchor
// "SEQ:HASH" says record SEQ carried HASH when it was taken, so a later rewrite of the chain
// up to SEQ, hashes recomputed, is still found). The server appends one whenever the head
// moved, every `audit_anchor_s` seconds and once more at shutdown (config
// `audit_anchor_file`); `carepath audit verify --anchors FILE` checks every one.
//
//   audit::AnchorWriter writer(log, "/var/log/carepath/audit.anchors");
//   ASSIGN_OR_RETURN(bool wrote, writer.WriteIfMoved());
//   ASSIGN_OR_RETURN(std::vector<std::string> anchors, audit::ReadAnchors(path));
//   ASSIGN_OR_RETURN(audit::VerifyReport report, log.Verify(anchors));
//
// The file holds one line per anchor, "SEQ:HASH TIME" (TIME the UTC instant it was
// written, for people); blank lines and lines starting with '#' are skipped. Each line is
// appended with O_APPEND and made durable (fsync) before the next; the file is created
// with mode 0600. Its value grows with its distance from the database: a file on another
// disk, a write-once medium, or a log shipped elsewhere (the server also logs each anchor
// as `event=audit_anchor`) cannot be rewritten together with the chain.
//
// Thread-safety: AnchorWriter is used by one thread at a time; the free functions are safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/result.h"

namespace carepath::audit {

// Appends "ANCHOR TIME\n" to `file` (created 0600 when absent) and fsyncs it.
Status AppendAnchor(const std::filesystem::path& file, std::string_view anchor, int64_t at_us);

// The anchors of `file`, in file order. kInvalid naming FILE:LINE for a line that is not
// an anchor; kNotFound when the file does not exist.
Result<std::vector<std::string>> ReadAnchors(const std::filesystem::path& file);

class AnchorWriter {
 public:
  // `log` must outlive the writer. The first WriteIfMoved appends the head unless the
  // file's last anchor is already that head.
  AnchorWriter(AuditLog& log, std::filesystem::path file) : log_(log), file_(std::move(file)) {}

  // Appends the log's head when it differs from the last anchor written (or read back from
  // the file). Returns whether a line was written; the anchor written is last().
  Result<bool> WriteIfMoved();
  const std::string& last() const { return last_; }

 private:
  AuditLog& log_;
  std::filesystem::path file_;
  bool read_back_ = false;
  std::string last_;
};

}  // namespace carepath::audit
