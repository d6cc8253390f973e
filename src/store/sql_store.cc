#include "store/sql_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "core/parallel.h"
#include "store/canonical.h"
#include "store/search_bridge.h"
#include "store/write_context.h"

namespace carepath::store {
namespace {

// ParseResource of every item, in order, on two threads for a large batch.
std::vector<Result<ParsedResource>> ParseAll(std::span<const ImportItem> items) {
  std::vector<std::optional<Result<ParsedResource>>> slots(items.size());
  core::ParallelFor(items.size(),
                    [&](size_t i) { slots[i].emplace(ParseResource(items[i].type, items[i].body)); });
  std::vector<Result<ParsedResource>> out;
  out.reserve(items.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlBackend> backend) : backend_(std::move(backend)) {}

  Result<WriteResult> Create(std::string_view type, std::string_view body) override {
    ASSIGN_OR_RETURN(ParsedResource doc, ParseResource(type, body));
    return WriteOne([&](WriteContext& w) { return w.Create(type, doc); });
  }

  Result<WriteResult> ConditionalCreate(std::string_view type, std::string_view body,
                                        std::string_view condition) override {
    ASSIGN_OR_RETURN(ParsedResource doc, ParseResource(type, body));
    ASSIGN_OR_RETURN(WriteResult out, WriteOne([&](WriteContext& w) -> Result<WriteResult> {
                       ASSIGN_OR_RETURN(std::vector<std::string> ids, w.MatchIds(type, condition));
                       if (ids.size() > 1) {
                         return Error::PreconditionFailed(
                             "the If-None-Exist condition matched several resources");
                       }
                       if (ids.empty()) return w.Create(type, doc);
                       WriteResult existing;
                       existing.action = WriteAction::kExisting;
                       existing.type = std::string(type);
                       existing.id = ids[0];
                       return existing;
                     }));
    if (out.action == WriteAction::kExisting) {
      ASSIGN_OR_RETURN(StoredResource cur, Read(type, out.id));
      out.version = cur.version;
      out.last_updated_us = cur.last_updated_us;
      out.body = std::move(cur.body);
    }
    return out;
  }

  Result<WriteResult> Update(std::string_view type, std::string_view id, std::string_view body,
                             std::optional<int64_t> expected_version) override {
    ASSIGN_OR_RETURN(ParsedResource doc, ParseResource(type, body));
    return WriteOne([&](WriteContext& w) { return w.Put(type, id, doc, expected_version); });
  }

  Result<WriteResult> ConditionalUpdate(std::string_view type, std::string_view condition,
                                        std::string_view body) override {
    ASSIGN_OR_RETURN(ParsedResource doc, ParseResource(type, body));
    return WriteOne([&](WriteContext& w) -> Result<WriteResult> {
      ASSIGN_OR_RETURN(std::vector<std::string> ids, w.MatchIds(type, condition));
      if (ids.size() > 1) {
        return Error::PreconditionFailed("the condition matched several resources");
      }
      if (ids.size() == 1) return w.Put(type, ids[0], doc, std::nullopt);
      const json::Value* body_id = doc.doc.root().Find("id");
      if (body_id != nullptr) return w.Put(type, body_id->str(), doc, std::nullopt);
      return w.Create(type, doc);
    });
  }

  Result<WriteResult> Delete(std::string_view type, std::string_view id,
                             std::optional<int64_t> expected_version) override {
    return WriteOne([&](WriteContext& w) { return w.Remove(type, id, expected_version); });
  }

  Result<StoredResource> Read(std::string_view type, std::string_view id) override {
    return ReadOne<StoredResource>([&](SqlTxn& t) { return ReadCurrent(t, type, id); });
  }

  Result<StoredResource> VRead(std::string_view type, std::string_view id,
                               int64_t version) override {
    return ReadOne<StoredResource>([&](SqlTxn& t) { return ReadVersion(t, type, id, version); });
  }

  Result<HistoryPage> History(const HistoryQuery& query) override {
    return ReadOne<HistoryPage>([&](SqlTxn& t) { return ReadHistory(t, query); });
  }

  Result<int64_t> NewestChange(std::string_view type) override {
    // Asked on every access-controlled request (the CareTeam and Consent stamps); while
    // nothing was committed since it was read, the remembered answer is current.
    const std::optional<int64_t> counter = backend_->ChangeCounter();
    if (counter) {
      std::lock_guard<std::mutex> lock(newest_mu_);
      auto it = newest_.find(type);
      if (it != newest_.end() && it->second.first == *counter) return it->second.second;
    }
    ASSIGN_OR_RETURN(
        int64_t newest, ReadOne<int64_t>([&](SqlTxn& t) -> Result<int64_t> {
          // The index (type, tx_seq) answers it from its last entry for the type.
          ASSIGN_OR_RETURN(SqlRows rows, t.Exec("SELECT MAX(tx_seq) FROM resource_versions"
                                                " WHERE type = $1",
                                                {SqlValue::Text(type)}));
          return rows.empty() || rows[0][0].is_null() ? int64_t{0} : rows[0][0].AsInt();
        }));
    if (counter) {
      std::lock_guard<std::mutex> lock(newest_mu_);
      newest_[std::string(type)] = {*counter, newest};  // read after the counter: current at it
    }
    return newest;
  }

  Result<SearchResult> Search(std::string_view type, const SearchParams& params,
                              const SearchOptions& options) override {
    return ReadOne<SearchResult>(
        [&](SqlTxn& t) { return RunSearch(t, type, params, options.lenient); });
  }

  Result<std::string> ProcessBundle(std::string_view bundle) override {
    return ProcessBundleOn(*backend_, bundle);
  }

  std::vector<Result<std::string>> ProcessBundles(std::span<const std::string> bundles) override {
    return ProcessBundlesOn(*backend_, bundles);
  }

  Result<std::vector<Result<WriteResult>>> ImportBatch(std::span<const ImportItem> items) override {
    // Parse, validate and extract outside the transaction (invalid items fail alone),
    // on two threads when the batch is large enough to pay for one.
    std::vector<Result<ParsedResource>> docs = ParseAll(items);
    std::vector<Result<WriteResult>> out;
    Status s = backend_->Write([&](SqlTxn& t) -> Status {
      out.clear();
      out.reserve(items.size());
      WriteContext w(t);
      for (size_t i = 0; i < items.size(); ++i) {
        if (!docs[i]) {
          out.emplace_back(docs[i].error());
          continue;
        }
        Result<WriteResult> r = items[i].id.empty() ? w.Create(items[i].type, *docs[i])
                                                    : w.Put(items[i].type, items[i].id, *docs[i],
                                                            items[i].expected_version);
        if (!r && (IsRetryable(r.error()) || r.error().code == ErrorCode::kUnavailable ||
                   r.error().code == ErrorCode::kInternal)) {
          return r.error();
        }
        out.push_back(std::move(r));
      }
      return w.Finish();
    });
    RETURN_IF_ERROR(s);
    return out;
  }

  Result<std::vector<Event>> ReadEvents(std::string_view consumer, int max) override {
    max = std::clamp(max, 1, 10000);
    return ReadOne<std::vector<Event>>([&](SqlTxn& t) -> Result<std::vector<Event>> {
      ASSIGN_OR_RETURN(SqlRows pos, t.Exec("SELECT acked_seq FROM outbox_consumers WHERE name = $1",
                                           {SqlValue::Text(consumer)}));
      int64_t after = pos.empty() ? 0 : pos[0][0].AsInt();
      ASSIGN_OR_RETURN(SqlRows rows, t.Exec("SELECT seq, type, id, version, action, at FROM outbox "
                                            "WHERE seq > $1 ORDER BY seq LIMIT " +
                                                std::to_string(max),
                                            {SqlValue::Int(after)}));
      std::vector<Event> events;
      for (const SqlRow& r : rows) {
        Event e;
        e.seq = r[0].AsInt();
        e.type = r[1].AsText();
        e.id = r[2].AsText();
        e.version = r[3].AsInt();
        std::string action = r[4].AsText();
        e.action = action == "delete"   ? EventAction::kDelete
                   : action == "update" ? EventAction::kUpdate
                                        : EventAction::kCreate;
        e.at_us = r[5].AsInt();
        events.push_back(std::move(e));
      }
      return events;
    });
  }

  Status Ack(std::string_view consumer, int64_t upto_seq) override {
    if (consumer.empty()) return Error::Invalid("", "consumer name is empty");
    return backend_->Write([&](SqlTxn& t) { return AckIn(t, consumer, upto_seq); });
  }

  Result<std::vector<Mark>> ReadMarks(std::string_view engine,
                                      std::span<const std::string> keys) override {
    if (engine.empty()) return Error::Invalid("", "engine name is empty");
    return ReadOne<std::vector<Mark>>([&](SqlTxn& t) -> Result<std::vector<Mark>> {
      std::vector<Mark> out;
      auto collect = [&](const SqlRows& rows) {
        for (const SqlRow& r : rows) out.push_back({r[0].AsText(), r[1].AsInt()});
      };
      if (keys.empty()) {
        ASSIGN_OR_RETURN(SqlRows rows,
                         t.Exec("SELECT mark_key, mark_value FROM engine_marks WHERE engine = $1 "
                                "ORDER BY mark_key",
                                {SqlValue::Text(engine)}));
        collect(rows);
        return out;
      }
      // Chunks of kMarkChunk keys; a short chunk repeats its last key, so every lookup is
      // the same statement (prepared once per connection).
      constexpr size_t kMarkChunk = 100;
      static const std::string sql = [] {
        std::string q =
            "SELECT mark_key, mark_value FROM engine_marks WHERE engine = $1 AND mark_key IN (";
        for (size_t i = 0; i < kMarkChunk; ++i) {
          q += (i == 0 ? "$" : ", $") + std::to_string(i + 2);
        }
        return q + ")";
      }();
      for (size_t at = 0; at < keys.size(); at += kMarkChunk) {
        std::vector<SqlValue> params{SqlValue::Text(engine)};
        for (size_t i = 0; i < kMarkChunk; ++i) {
          params.push_back(SqlValue::Text(keys[std::min(at + i, keys.size() - 1)]));
        }
        ASSIGN_OR_RETURN(SqlRows rows, t.Exec(sql, params));
        collect(rows);
      }
      return out;
    });
  }

  Status WriteMarks(std::string_view engine, std::span<const Mark> marks,
                    const std::optional<OutboxAck>& ack = std::nullopt) override {
    if (engine.empty()) return Error::Invalid("", "engine name is empty");
    if (ack && ack->consumer.empty()) return Error::Invalid("", "consumer name is empty");
    if (marks.empty() && !ack) return Ok();
    return backend_->Write([&](SqlTxn& t) -> Status {
      if (ack) RETURN_IF_ERROR(AckIn(t, ack->consumer, ack->upto_seq));
      for (const Mark& m : marks) {
        Result<SqlRows> r = t.Exec(
            "INSERT INTO engine_marks (engine, mark_key, mark_value) VALUES ($1, $2, $3) "
            "ON CONFLICT (engine, mark_key) DO UPDATE SET mark_value = excluded.mark_value",
            {SqlValue::Text(engine), SqlValue::Text(m.key), SqlValue::Int(m.value)});
        if (!r) return std::move(r).error();
      }
      return Ok();
    });
  }

  Result<CheckReport> Check() override { return CheckOn(*backend_); }

 private:
  // Moves `consumer`'s position to `upto_seq`, never backwards.
  static Status AckIn(SqlTxn& t, std::string_view consumer, int64_t upto_seq) {
    return t.Exec(
                "INSERT INTO outbox_consumers (name, acked_seq) VALUES ($1, $2) "
                "ON CONFLICT (name) DO UPDATE SET acked_seq = CASE WHEN excluded.acked_seq > "
                "outbox_consumers.acked_seq THEN excluded.acked_seq ELSE "
                "outbox_consumers.acked_seq END",
                {SqlValue::Text(consumer), SqlValue::Int(upto_seq)})
                   .has_value()
               ? Ok()
               : Status(Error::Unavailable("cannot store the consumer position"));
  }

  template <typename Fn>
  Result<WriteResult> WriteOne(Fn&& fn) {
    WriteResult out;
    Status s = backend_->Write([&](SqlTxn& t) -> Status {
      WriteContext w(t);
      Result<WriteResult> r = fn(w);
      if (!r) return std::move(r).error();
      out = std::move(r).value();
      return w.Finish();
    });
    RETURN_IF_ERROR(s);
    return out;
  }

  template <typename T, typename Fn>
  Result<T> ReadOne(Fn&& fn) {
    std::optional<T> out;
    Status s = backend_->Read([&](SqlTxn& t) -> Status {
      Result<T> r = fn(t);
      if (!r) return std::move(r).error();
      out = std::move(r).value();
      return Ok();
    });
    RETURN_IF_ERROR(s);
    return std::move(*out);
  }

  std::unique_ptr<SqlBackend> backend_;
  std::mutex newest_mu_;
  // type -> (ChangeCounter when read, NewestChange); guarded by newest_mu_.
  std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> newest_;
};

}  // namespace

std::unique_ptr<Store> NewSqlStore(std::unique_ptr<SqlBackend> backend) {
  return std::make_unique<SqlStore>(std::move(backend));
}

}  // namespace carepath::store
