// ForwardingStore: a Store that passes every call to an inner Store. Decorators (timing,
// access control, assessment on write) derive from it and override only what they change,
// so a method added to Store is forwarded everywhere by adding it here once.
//
// The inner store must outlive the decorator. Thread-safety is the inner store's.
#pragma once

#include "store/store.h"

namespace carepath::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  Result<WriteResult> Create(std::string_view type, std::string_view body) override {
    return inner_.Create(type, body);
  }
  Result<WriteResult> ConditionalCreate(std::string_view type, std::string_view body,
                                        std::string_view condition) override {
    return inner_.ConditionalCreate(type, body, condition);
  }
  Result<WriteResult> Update(std::string_view type, std::string_view id, std::string_view body,
                             std::optional<int64_t> expected_version = {}) override {
    return inner_.Update(type, id, body, expected_version);
  }
  Result<WriteResult> ConditionalUpdate(std::string_view type, std::string_view condition,
                                        std::string_view body) override {
    return inner_.ConditionalUpdate(type, condition, body);
  }
  Result<WriteResult> Delete(std::string_view type, std::string_view id,
                             std::optional<int64_t> expected_version = {}) override {
    return inner_.Delete(type, id, expected_version);
  }
  Result<StoredResource> Read(std::string_view type, std::string_view id) override {
    return inner_.Read(type, id);
  }
  Result<StoredResource> VRead(std::string_view type, std::string_view id,
                               int64_t version) override {
    return inner_.VRead(type, id, version);
  }
  Result<HistoryPage> History(const HistoryQuery& query) override {
    return inner_.History(query);
  }
  Result<int64_t> NewestChange(std::string_view type) override { return inner_.NewestChange(type); }
  Result<SearchResult> Search(std::string_view type, const SearchParams& params,
                              const SearchOptions& options = {}) override {
    return inner_.Search(type, params, options);
  }
  Result<std::string> ProcessBundle(std::string_view bundle) override {
    return inner_.ProcessBundle(bundle);
  }
  // ProcessBundles is not forwarded: Store's default runs this decorator's ProcessBundle
  // for each Bundle, so a decorator that checks or changes Bundles stays in their path.
  Result<std::vector<Result<WriteResult>>> ImportBatch(
      std::span<const ImportItem> items) override {
    return inner_.ImportBatch(items);
  }
  Result<std::vector<Event>> ReadEvents(std::string_view consumer, int max) override {
    return inner_.ReadEvents(consumer, max);
  }
  Status Ack(std::string_view consumer, int64_t upto_seq) override {
    return inner_.Ack(consumer, upto_seq);
  }
  Result<std::vector<Mark>> ReadMarks(std::string_view engine,
                                      std::span<const std::string> keys) override {
    return inner_.ReadMarks(engine, keys);
  }
  Status WriteMarks(std::string_view engine, std::span<const Mark> marks,
                    const std::optional<OutboxAck>& ack = std::nullopt) override {
    return inner_.WriteMarks(engine, marks, ack);
  }
  Result<CheckReport> Check() override { return inner_.Check(); }

 protected:
  Store& inner() { return inner_; }

 private:
  Store& inner_;
};

}  // namespace carepath::store
