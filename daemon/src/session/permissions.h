// The permission matrix: which participant may send which message type.
//
// One table, in code, row per message type (DESIGN.md §5), following the seed spec and the
// reference server's predicates (pvp-anchor.md §3.2) with pvpd's corrections: checks use the
// authenticated sender, never a payload field; observers are read-only; session.end needs
// admin or end_session. Tested row by row in tests/daemon/session/permissions_test.cpp.
//
// THREAD: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "session/participant.h"

namespace pvpd::session {

enum class Permission {
  kAnyMember,           // any participant of the session, observers included
  kActiveMember,        // any participant except pure observers (observers are read-only)
  kPrompt,              // role driver | navigator, or capability prompt
  kApprove,             // role approver, or capability approve (admin alone cannot approve)
  kApproveOrAdmin,      // gate votes: approvers, or admins (for escalated gates; see gate_engine)
  kInterrupt,           // capability interrupt
  kFork,                // capability fork
  kAddContext,          // capability add_context, or role driver | navigator
  kManageParticipants,  // capability manage_participants, or role admin
  kAdminRole,           // role admin (session.config_update)
  kEndSession,          // capability end_session, or role admin
  kAgent,               // participant type agent (streams, tool proposals)
  kServerOnly,          // clients may never send it (tool.execute, gate.request, gate.timeout)
};

// The row for `type`; unknown types map to kServerOnly (refused).
Permission permission_for(std::string_view type);
bool allowed(Permission p, const Participant &who);
// "role driver or navigator, or capability prompt": for error messages.
std::string_view describe(Permission p);
// True for participants holding only the observer role (no other role, no capability).
bool is_pure_observer(const Participant &p);

}  // namespace pvpd::session
