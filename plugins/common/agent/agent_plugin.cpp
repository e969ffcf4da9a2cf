#include "agent/agent_plugin.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

namespace pvpd::agent {

AgentPlugin::AgentPlugin(pvpd::Host host, std::string_view config_json,
                         std::string_view default_name)
    : Plugin(host) {
  std::string err = parse_agent_options(config_json, &options_, default_name);
  if (!err.empty()) {
    throw std::invalid_argument(err);
  }
  // The daemon names each instance's state directory <state_dir>/plugins/<instance id>; the
  // instance id is the identity the daemon lets this instance's connections join as.
  instance_id_ = std::filesystem::path(std::string(host.state_dir())).filename().string();
  if (instance_id_.empty()) {
    throw std::invalid_argument(": cannot determine the instance id from the state directory");
  }
  if (!options_.mcp_servers.empty()) {
    pvpd::Host h = host;
    mcp_ = std::make_shared<McpTools>(options_.mcp_servers,
                                      [h](int level, const std::string &m) { h.log(level, m); });
  }
}

AgentPlugin::~AgentPlugin() {
  stop();
}

pvpd_status AgentPlugin::start() {
  if (!factory_) {
    host().error("agent plugin has no brain factory (a bug in the plugin)");
    return PVPD_E_INTERNAL;
  }
  // auto_join watches every frame (the first one of a session reveals it); otherwise only
  // admins' agent.attach requests are of interest.
  pvpd_sub_filter filter{};
  filter.struct_size = sizeof filter;
  filter.type_prefix = pvpd::to_str(options_.auto_join ? "" : "agent.attach");
  pvpd_status st =
      host().api()->subscribe(host().ctx(), &filter, &AgentPlugin::on_bus, this, &subscription_);
  if (st != PVPD_OK) {
    host().error("cannot subscribe to the bus");
    return st;
  }
  if (mcp_) {
    mcp_->start();
  }
  for (const std::string &s : options_.sessions) {
    attach(s);
  }
  host().info("agent '" + instance_id_ + "' ready (" + options_.name + ")" +
              (options_.auto_join ? ", joining every new session" : ""));
  return PVPD_OK;
}

void AgentPlugin::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (subscription_ != 0) {
    host().api()->unsubscribe(host().ctx(), subscription_);
    subscription_ = 0;
  }
  auto agents = std::move(agents_);
  agents_.clear();
  by_session_.clear();
  for (auto &[conn, agent] : agents) {
    agent->shutdown();
    host().conn_closed(conn, PVPD_CLOSE_SHUTDOWN);
  }
  if (mcp_) {
    mcp_->stop();
  }
}

void AgentPlugin::on_bus(void *user, const pvpd_msg_view *msg) {
  auto *self = static_cast<AgentPlugin *>(user);
  if (self->stopped_ || msg == nullptr) {
    return;
  }
  std::string session(pvpd::to_view(msg->session));
  if (session.empty() || self->by_session_.count(session) != 0 ||
      self->ended_.count(session) != 0) {
    return;
  }
  std::string_view type = pvpd::to_view(msg->type);
  if (type == "session.end") {
    self->ended_.insert(session);
    return;
  }
  if (type == "agent.attach") {
    if (!self->names_me(*msg)) {
      return;
    }
    self->host().info("attaching to session " + session + " as an admin asked");
  } else if (!self->options_.auto_join) {
    return;
  }
  // Frames after the one that revealed the session are replayed to us on join: act on them.
  self->attach(session, msg->seq);
}

bool AgentPlugin::names_me(const pvpd_msg_view &msg) const {
  if (msg.envelope == nullptr) {
    return false;
  }
  std::string_view bytes = pvpd::to_view(host().api()->buf_view(msg.envelope));
  rapidjson::Document d;
  d.Parse(bytes.data(), bytes.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("payload") || !d["payload"].IsObject()) {
    return false;
  }
  const auto &p = d["payload"];
  return p.HasMember("agent") && p["agent"].IsString() && p["agent"].GetString() == instance_id_;
}

void AgentPlugin::attach(const std::string &session, uint64_t live_from_seq) {
  if (stopped_ || by_session_.count(session) != 0) {
    return;
  }
  pvpd_conn_info info{};
  info.struct_size = sizeof info;
  info.flags = PVPD_CONN_INTERNAL | PVPD_CONN_LOCAL;
  info.transport = pvpd::to_str("internal");
  std::string peer = "agent:" + instance_id_;
  info.peer = pvpd::to_str(peer);
  pvpd_conn_id conn = 0;
  pvpd_status st = host().conn_open(info, &conn);
  if (st != PVPD_OK) {
    host().error("session " + session + ": cannot open the agent's connection (" +
                 std::string(pvpd::status_name(st)) + ")");
    return;
  }
  auto agent = std::make_shared<SessionAgent>(host(), options_, session, instance_id_, conn,
                                              factory_(), std::string(host().state_dir()), mcp_);
  agents_[conn] = agent;
  by_session_[session] = conn;
  agent->join(live_from_seq);
}

pvpd_status AgentPlugin::deliver(const pvpd_conn_id *conns, std::size_t n,
                                 const pvpd_msg_view &msg) {
  for (std::size_t i = 0; i < n; ++i) {
    auto it = agents_.find(conns[i]);
    if (it == agents_.end()) {
      continue;
    }
    std::shared_ptr<SessionAgent> agent = it->second;  // the frame may end it
    agent->on_frame(msg);
    if (agent->ended()) {
      ended_.insert(agent->session_id());
      forget(conns[i]);
      host().conn_closed(conns[i], PVPD_CLOSE_NORMAL);
    }
  }
  return PVPD_OK;
}

void AgentPlugin::close_conn(pvpd_conn_id conn, int32_t /*reason*/) {
  if (agents_.count(conn) == 0) {
    return;
  }
  forget(conn);
  host().conn_closed(conn, PVPD_CLOSE_NORMAL);
}

void AgentPlugin::forget(pvpd_conn_id conn) {
  auto it = agents_.find(conn);
  if (it == agents_.end()) {
    return;
  }
  std::shared_ptr<SessionAgent> agent = std::move(it->second);
  agents_.erase(it);
  by_session_.erase(agent->session_id());
  agent->shutdown();
}

std::string AgentPlugin::status_json() {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  AgentCounters total;
  size_t busy = 0;
  for (const auto &[conn, a] : agents_) {
    const AgentCounters &c = a->counters();
    total.prompts += c.prompts;
    total.generations += c.generations;
    total.proposals += c.proposals;
    total.tools_run += c.tools_run;
    total.tools_refused += c.tools_refused;
    total.interrupts += c.interrupts;
    total.errors += c.errors;
    total.usage.input_tokens += c.usage.input_tokens;
    total.usage.output_tokens += c.usage.output_tokens;
    total.usage.thinking_tokens += c.usage.thinking_tokens;
    busy += a->busy() ? 1U : 0U;
  }
  w.StartObject();
  w.Key("participant");
  w.String(instance_id_.c_str(), static_cast<rapidjson::SizeType>(instance_id_.size()));
  w.Key("sessions");
  w.Uint64(agents_.size());
  w.Key("busy_sessions");
  w.Uint64(busy);
  w.Key("prompts");
  w.Uint64(total.prompts);
  w.Key("generations");
  w.Uint64(total.generations);
  w.Key("proposals");
  w.Uint64(total.proposals);
  w.Key("tools_run");
  w.Uint64(total.tools_run);
  w.Key("tools_refused");
  w.Uint64(total.tools_refused);
  w.Key("interrupts");
  w.Uint64(total.interrupts);
  w.Key("errors");
  w.Uint64(total.errors);
  w.Key("input_tokens");
  w.Uint64(total.usage.input_tokens);
  w.Key("output_tokens");
  w.Uint64(total.usage.output_tokens);
  w.Key("thinking_tokens");
  w.Uint64(total.usage.thinking_tokens);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd::agent
