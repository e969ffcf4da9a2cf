#include "session/permissions.h"

#include <unordered_map>

namespace pvpd::session {

Permission permission_for(std::string_view type) {
  static const std::unordered_map<std::string_view, Permission> kTable = {
      {"session.create", Permission::kAnyMember},  // handled before membership exists
      {"session.join", Permission::kAnyMember},
      {"session.leave", Permission::kAnyMember},
      {"session.end", Permission::kEndSession},
      {"session.config_update", Permission::kAdminRole},
      {"participant.announce", Permission::kAnyMember},
      {"participant.role_change", Permission::kManageParticipants},
      {"heartbeat.ping", Permission::kAnyMember},
      {"heartbeat.pong", Permission::kAnyMember},
      {"presence.update", Permission::kAnyMember},
      {"context.add", Permission::kAddContext},
      {"context.update", Permission::kAddContext},
      {"context.remove", Permission::kAddContext},
      {"secret.share", Permission::kActiveMember},
      {"secret.revoke", Permission::kActiveMember},
      {"prompt.draft", Permission::kPrompt},
      {"prompt.submit", Permission::kPrompt},
      {"prompt.amend", Permission::kPrompt},
      {"thinking.start", Permission::kAgent},
      {"thinking.chunk", Permission::kAgent},
      {"thinking.end", Permission::kAgent},
      {"response.start", Permission::kAgent},
      {"response.chunk", Permission::kAgent},
      {"response.end", Permission::kAgent},
      {"tool.propose", Permission::kAgent},
      {"tool.approve", Permission::kApprove},
      {"tool.reject", Permission::kApprove},
      {"tool.execute", Permission::kServerOnly},
      {"tool.output", Permission::kAgent},
      {"tool.result", Permission::kAgent},
      {"gate.request", Permission::kServerOnly},
      // Votes reach the gate engine, which decides eligibility per gate (an escalated gate
      // takes admins' votes; admin alone does not approve an ordinary gate).
      {"gate.approve", Permission::kApproveOrAdmin},
      {"gate.reject", Permission::kApproveOrAdmin},
      {"gate.timeout", Permission::kServerOnly},
      {"interrupt.raise", Permission::kInterrupt},
      {"interrupt.acknowledge", Permission::kActiveMember},
      {"fork.create", Permission::kFork},
      {"fork.switch", Permission::kAnyMember},
      {"merge.propose", Permission::kFork},
      {"merge.execute", Permission::kFork},
      {"error", Permission::kActiveMember},
      {"agent.attach", Permission::kAdminRole},
  };
  auto it = kTable.find(type);
  return it == kTable.end() ? Permission::kServerOnly : it->second;
}

bool is_pure_observer(const Participant &p) {
  if (p.admin || !p.capabilities.empty()) {
    return false;
  }
  for (const auto &r : p.roles) {
    if (r != "observer") {
      return false;
    }
  }
  return true;
}

bool allowed(Permission perm, const Participant &p) {
  switch (perm) {
    case Permission::kAnyMember: return true;
    case Permission::kActiveMember: return !is_pure_observer(p);
    case Permission::kPrompt:
      return p.has_role("driver") || p.has_role("navigator") || p.has_cap("prompt");
    case Permission::kApprove: return p.has_role("approver") || p.has_cap("approve");
    case Permission::kApproveOrAdmin:
      return p.has_role("approver") || p.has_cap("approve") || p.has_role("admin") || p.admin;
    case Permission::kInterrupt: return p.has_cap("interrupt");
    case Permission::kFork: return p.has_cap("fork");
    case Permission::kAddContext:
      return p.has_cap("add_context") || p.has_role("driver") || p.has_role("navigator");
    case Permission::kManageParticipants:
      return p.has_cap("manage_participants") || p.has_role("admin") || p.admin;
    case Permission::kAdminRole: return p.has_role("admin") || p.admin;
    case Permission::kEndSession: return p.has_cap("end_session") || p.has_role("admin") || p.admin;
    case Permission::kAgent: return p.type == "agent";
    case Permission::kServerOnly: return false;
  }
  return false;
}

std::string_view describe(Permission p) {
  switch (p) {
    case Permission::kAnyMember: return "membership of the session";
    case Permission::kActiveMember: return "a role other than observer";
    case Permission::kPrompt: return "role driver or navigator, or capability prompt";
    case Permission::kApprove: return "role approver or capability approve";
    case Permission::kApproveOrAdmin: return "role approver or admin, or capability approve";
    case Permission::kInterrupt: return "capability interrupt";
    case Permission::kFork: return "capability fork";
    case Permission::kAddContext: return "capability add_context, or role driver or navigator";
    case Permission::kManageParticipants: return "capability manage_participants or role admin";
    case Permission::kAdminRole: return "role admin";
    case Permission::kEndSession: return "capability end_session or role admin";
    case Permission::kAgent: return "participant type agent";
    case Permission::kServerOnly: return "the server (clients may not send this type)";
  }
  return "";
}

}  // namespace pvpd::session
