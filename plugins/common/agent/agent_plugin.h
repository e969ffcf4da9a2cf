// AgentPlugin: the plugin half shared by every agent plugin (scripted, Claude, OpenAI).
//
// An agent instance is a participant, not a transport: for each session it joins it opens an
// in-process connection (conn_open with PVPD_CONN_INTERNAL; the daemon binds its identity to
// the instance id and grants type "agent") and speaks plain PVP over it through a
// SessionAgent. It joins
//  - every session as it appears, with `auto_join: true` (a bus subscription sees the first
//    frame of each session, including sessions restored after a restart);
//  - the sessions listed in `sessions` at start;
//  - a session where an admin sent `agent.attach {agent: <instance id>}` (pvpd extension).
// A concrete plugin supplies a BrainFactory (one brain per session) and its option table
// (PVPD_AGENT_COMMON_OPTIONS plus its own keys).
//
// THREAD: every hook and callback on the core thread; brains and tools use their own threads
// and hop back with Host::post (see session_agent.h).
// OWNERSHIP: owns its SessionAgents (shared_ptr, for the weak references of posted work).
// LIFETIME: stop() shuts every SessionAgent down (brains cancelled and destroyed, tool threads
// joined) and reports each connection closed; no host call follows.
#pragma once

#include <pvpd/plugin.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "agent/agent_options.h"
#include "agent/brain.h"
#include "agent/mcp_tools.h"
#include "agent/session_agent.h"

namespace pvpd::agent {

class AgentPlugin : public pvpd::Plugin {
 public:
  using BrainFactory = std::function<std::unique_ptr<Brain>()>;

  // Throws std::invalid_argument on a bad config (the wrapper turns it into a create error).
  AgentPlugin(pvpd::Host host, std::string_view config_json, std::string_view default_name);
  ~AgentPlugin() override;

  pvpd_status start() override;
  void stop() override;
  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) override;
  void close_conn(pvpd_conn_id conn, int32_t reason) override;
  std::string status_json() override;

  // Joins `session` now (no-op if already joined). Core thread.
  void attach(const std::string &session, uint64_t live_from_seq = 0);

 protected:
  // Concrete plugins call this from their constructor.
  void set_brain_factory(BrainFactory factory) { factory_ = std::move(factory); }
  const AgentOptions &options() const { return options_; }
  AgentOptions &mutable_options() { return options_; }

 private:
  static void on_bus(void *user, const pvpd_msg_view *msg);
  bool names_me(const pvpd_msg_view &msg) const;
  void forget(pvpd_conn_id conn);

  AgentOptions options_;
  BrainFactory factory_;
  std::shared_ptr<McpTools> mcp_;
  std::string instance_id_;
  std::map<pvpd_conn_id, std::shared_ptr<SessionAgent>> agents_;
  std::map<std::string, pvpd_conn_id> by_session_;
  std::set<std::string> ended_;
  pvpd_sub_id subscription_ = 0;
  bool stopped_ = false;
};

}  // namespace pvpd::agent
