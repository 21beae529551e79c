#pragma once
// Stage "account": every model request becomes one usage record. A RequestAccount lives for
// the whole request in dispatch(); the handlers fill in the record through client.record as
// they learn (route, upstream, attempts, usage), and when the request ends, however it ends,
// the record is finished (end time, estimated usage where the upstream reported none, cost),
// counted in metrics and handed to the audit sink. Internal to server/.
#include <string_view>

#include "audit/record.hpp"
#include "server/worker.hpp"

namespace spillway::server {

class RequestAccount {
 public:
  RequestAccount(Client& client, Worker& worker, const ClientRequest& request, Dialect dialect,
                 std::string_view endpoint);
  ~RequestAccount();
  RequestAccount(const RequestAccount&) = delete;
  RequestAccount& operator=(const RequestAccount&) = delete;

  audit::Record& record() { return record_; }

 private:
  Client& client_;
  Worker& worker_;
  audit::Record record_;
};

// An attempt that was refused or failed, added to record.refused_by as "upstream:what" (what: a
// status such as 429, or connect / timeout).
void note_refusal(audit::Record* record, std::string_view upstream, std::string_view what);

}  // namespace spillway::server
