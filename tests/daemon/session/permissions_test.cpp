// The permission matrix, row by row.
#include "session/permissions.h"

#include <gtest/gtest.h>

namespace pvpd::session {
namespace {

Participant make(std::vector<std::string> roles, std::vector<std::string> caps,
                 std::string type = "human") {
  Participant p;
  p.roles = std::move(roles);
  p.capabilities = std::move(caps);
  p.type = std::move(type);
  return p;
}

struct Row {
  const char *type;
  std::vector<std::string> roles;
  std::vector<std::string> caps;
  const char *participant_type;
  bool expected;
};

class PermissionMatrixTest : public ::testing::TestWithParam<Row> {};

TEST_P(PermissionMatrixTest, Row) {
  const Row &r = GetParam();
  EXPECT_EQ(allowed(permission_for(r.type), make(r.roles, r.caps, r.participant_type)), r.expected)
      << r.type;
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, PermissionMatrixTest,
    ::testing::Values(
        Row{"prompt.submit", {"driver"}, {}, "human", true},
        Row{"prompt.submit", {"navigator"}, {}, "human", true},
        Row{"prompt.submit", {}, {"prompt"}, "human", true},
        Row{"prompt.submit", {"observer"}, {}, "human", false},
        Row{"prompt.submit", {"approver"}, {}, "human", false},
        Row{"prompt.draft", {"adversary"}, {}, "human", false},
        Row{"gate.approve", {"approver"}, {}, "human", true},
        Row{"gate.approve", {}, {"approve"}, "human", true},
        Row{"tool.approve", {"admin"}, {}, "human", false},  // admin alone cannot approve
        Row{"gate.approve", {"admin"}, {}, "human", true},   // reaches the engine (escalation)
        Row{"gate.reject", {"driver"}, {}, "human", false},
        Row{"interrupt.raise", {"admin"}, {}, "human", false},  // roles never grant it
        Row{"interrupt.raise", {}, {"interrupt"}, "human", true},
        Row{"fork.create", {"driver"}, {}, "human", false},
        Row{"fork.create", {}, {"fork"}, "human", true},
        Row{"context.add", {"driver"}, {}, "human", true},
        Row{"context.add", {"navigator"}, {}, "human", true},
        Row{"context.add", {}, {"add_context"}, "human", true},
        Row{"context.remove", {"observer"}, {}, "human", false},
        Row{"participant.role_change", {"admin"}, {}, "human", true},
        Row{"participant.role_change", {}, {"manage_participants"}, "human", true},
        Row{"participant.role_change", {"driver"}, {}, "human", false},
        Row{"session.config_update", {"admin"}, {}, "human", true},
        Row{"session.config_update", {}, {"manage_participants"}, "human", false},
        Row{"session.end", {"admin"}, {}, "human", true},
        Row{"session.end", {}, {"end_session"}, "human", true},
        Row{"session.end", {"observer"}, {}, "human", false},
        Row{"response.chunk", {"navigator"}, {}, "agent", true},
        Row{"response.chunk", {"navigator"}, {}, "human", false},
        Row{"tool.propose", {}, {}, "agent", true},
        Row{"tool.propose", {"driver"}, {}, "human", false},
        Row{"thinking.start", {}, {}, "agent", true},
        Row{"secret.share", {"observer"}, {}, "human", false},
        Row{"secret.share", {"driver"}, {}, "human", true},
        Row{"heartbeat.ping", {"observer"}, {}, "human", true},
        Row{"presence.update", {"observer"}, {}, "human", true},
        Row{"session.leave", {"observer"}, {}, "human", true},
        Row{"tool.execute", {"admin"}, {"approve"}, "agent", false},
        Row{"gate.request", {"admin"}, {}, "human", false},
        Row{"gate.timeout", {"admin"}, {}, "human", false},
        Row{"no.such_type", {"admin"}, {}, "human", false}));

TEST(PermissionsTest, PureObserverDetection) {
  EXPECT_TRUE(is_pure_observer(make({"observer"}, {})));
  EXPECT_TRUE(is_pure_observer(make({}, {})));
  EXPECT_FALSE(is_pure_observer(make({"observer"}, {"approve"})));
  EXPECT_FALSE(is_pure_observer(make({"observer", "driver"}, {})));
}

}  // namespace
}  // namespace pvpd::session
