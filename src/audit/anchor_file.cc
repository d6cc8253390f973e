#include "audit/anchor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "audit/database.h"
#include "store/canonical.h"

namespace carepath::audit {

Status AppendAnchor(const std::filesystem::path& file, std::string_view anchor, int64_t at_us) {
  const std::string line = std::string(anchor) + " " + store::FormatInstant(at_us) + "\n";
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::Unavailable("cannot open the audit anchor file " + file.string() + ": " +
                              std::strerror(errno));
  }
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Error::Unavailable("cannot write the audit anchor file " + file.string() + ": " +
                                std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) {
    return Error::Unavailable("cannot sync the audit anchor file " + file.string() + ": " +
                              std::strerror(err));
  }
  return Ok();
}

Result<std::vector<std::string>> ReadAnchors(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Error::NotFound("no audit anchor file " + file.string());
  std::vector<std::string> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const size_t end = line.find_first_of(" \t\r", start);
    std::string anchor = line.substr(start, end == std::string::npos ? end : end - start);
    if (!ParseAnchor(anchor)) {
      return Error::Invalid(file.string() + ":" + std::to_string(number),
                            "expected an anchor SEQ:HASH as `carepath audit head` prints it");
    }
    out.push_back(std::move(anchor));
  }
  return out;
}

Result<bool> AnchorWriter::WriteIfMoved() {
  if (!read_back_) {
    // A restarted server goes on from the file's last anchor rather than repeating it.
    auto anchors = ReadAnchors(file_);
    if (anchors && !anchors->empty()) last_ = anchors->back();
    if (!anchors && anchors.error().code != ErrorCode::kNotFound) return anchors.error();
    read_back_ = true;
  }
  ASSIGN_OR_RETURN(std::string head, log_.Head());
  if (head.empty() || head == last_) return false;
  RETURN_IF_ERROR(AppendAnchor(file_, head, NowMicros()));
  last_ = std::move(head);
  return true;
}

}  // namespace carepath::audit
