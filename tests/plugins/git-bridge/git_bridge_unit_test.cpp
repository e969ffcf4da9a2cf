// Unit tests of the git bridge's pieces against real temporary repositories: options, the
// per-session decision tracker, trailers (checked with libgit2 AND `git interpret-trailers`),
// notes, hooks, fork branches and merges.
#include <git2.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>

#include "commit_metadata.h"
#include "decision_state.h"
#include "decision_store.h"
#include "git_test_util.h"
#include "options.h"
#include "repo.h"

namespace pvpd::git_bridge {
namespace {

using pvpd::testing::TempDir;
using pvpd::testing::git::commit_file;
using pvpd::testing::git::frame;
using pvpd::testing::git::git;

class LibGit2 : public ::testing::Test {
 protected:
  void SetUp() override { git_libgit2_init(); }
  void TearDown() override { git_libgit2_shutdown(); }
};

// alice prompts, claude proposes a gated file_write, bob approves, it runs and succeeds.
void scripted_session(DecisionTracker *t, const std::string &sid) {
  t->observe(frame(sid, "participant.announce", "alice", "a1",
                   R"({"id":"alice","name":"Alice","type":"human","roles":["driver"]})"));
  t->observe(frame(sid, "participant.announce", "bob", "a2",
                   R"({"id":"bob","name":"Bob","type":"human","roles":["approver"]})"));
  t->observe(frame(sid, "participant.announce", "claude", "a3",
                   R"({"id":"claude","name":"Claude","type":"agent","roles":["navigator"]})"));
  t->observe(
      frame(sid, "prompt.submit", "alice", "p1",
            R"({"content":"Add a README","target_agent":"claude","contributors":["alice"]})"));
  t->observe(frame(sid, "gate.request", "system", "gr1",
                   R"({"action_type":"tool","action_ref":"tp1","digest":"d1g"})"));
  t->observe(frame(sid, "tool.propose", "claude", "tp1",
                   R"({"tool_name":"file_write","risk_level":"high","arguments":{}})"));
  t->observe(frame(sid, "gate.approve", "bob", "g1", R"({"gate":"tp1","approver":"bob"})"));
  t->observe(frame(sid, "tool.execute", "system", "x1",
                   R"({"tool_proposal":"tp1","approved_by":["bob"]})"));
  t->observe(
      frame(sid, "tool.result", "claude", "r1", R"({"tool_proposal":"tp1","success":true})"));
}

TEST(GitBridgeOptions, DefaultsAndErrors) {
  Settings s;
  EXPECT_TRUE(parse_settings("{}", &s).empty());
  EXPECT_EQ(s.listen_port, 9847);
  EXPECT_EQ(s.notes_ref, "refs/notes/pvp");
  Settings bad;
  auto errors = parse_settings(
      R"({"listen":"0.0.0.0:1","notes_ref":"refs/heads/x","repositories":[{"session":"a"}]})",
      &bad);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].pointer, "/listen");
  Settings ok;
  EXPECT_TRUE(parse_settings(R"({"listen":"127.0.0.1:0","repositories":[{"session":"ses-*",)"
                             R"("path":"/tmp/x"}]})",
                             &ok)
                  .empty());
  EXPECT_EQ(ok.listen_port, 0);
  ASSERT_EQ(ok.repositories.size(), 1u);
  Settings garbage;
  EXPECT_FALSE(parse_settings("[1", &garbage).empty());
}

TEST(DecisionTrackerTest, TracksDecisionsPerSession) {
  DecisionTracker t;
  scripted_session(&t, "ses-1");
  t.observe(frame("ses-2", "prompt.submit", "carol", "q1", R"({"content":"other"})"));
  auto s = t.snapshot("ses-1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->participants.size(), 3u);
  EXPECT_EQ(s->prompts_count, 1u);
  EXPECT_EQ(s->approvals_count, 1u);
  EXPECT_EQ(s->messages_since_last_commit, 5u);  // prompt, propose, approve, execute, result
  ASSERT_EQ(s->gates.size(), 1u);
  EXPECT_EQ(s->gates[0].status, "approved");
  EXPECT_EQ(s->gates[0].digest, "d1g");
  EXPECT_EQ(s->gates[0].tool_name, "file_write");
  EXPECT_EQ(s->approvers(), std::vector<std::string>{"bob"});
  ASSERT_EQ(s->tool_runs.size(), 1u);
  EXPECT_EQ(s->tool_runs[0].status, "succeeded");
  auto other = t.snapshot("ses-2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->prompts_count, 1u);
  EXPECT_TRUE(other->approvers().empty());
  // The most recently active session is the default.
  EXPECT_EQ(t.resolve("", "").session.value_or(""), "ses-2");
  EXPECT_EQ(t.resolve("nope", "").error, "Unknown session");

  auto before = t.commit_created(std::string("ses-1"), std::string(40, 'a'), "");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->prompts_count, 1u);
  auto after = t.snapshot("ses-1");
  EXPECT_EQ(after->prompts_count, 0u);
  EXPECT_EQ(after->messages_since_last_commit, 0u);
  EXPECT_EQ(after->last_commit, std::string(40, 'a'));
  EXPECT_EQ(after->participants.size(), 3u);          // who is in the session survives a commit
  EXPECT_EQ(t.snapshot("ses-2")->prompts_count, 1u);  // other sessions are untouched
}

TEST(DecisionTrackerTest, MalformedFramesAreIgnored) {
  DecisionTracker t;
  for (const char *bad :
       {"", "{", "[]", "null", R"({"type":"prompt.submit"})",
        R"({"session":"s","type":"prompt.submit","payload":[1]})", R"({"session":5,"type":{}})"}) {
    t.observe(bad);
  }
  EXPECT_EQ(t.session_ids().size(), 1u);  // only the one with a session and a type
  auto s = t.snapshot("s");
  EXPECT_EQ(s->prompts_count, 1u);
  EXPECT_TRUE(s->prompts[0].content.empty());
}

TEST(DecisionTrackerTest, ResolvesRepositoryPathsWithoutEscaping) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "ws/ses-a/sub");
  std::filesystem::create_directories(dir.path() / "ws/ses-b");
  DecisionTracker t;
  t.set_repository("ses-a", (dir.path() / "ws/ses-a").string());
  t.set_repository("ses-b", (dir.path() / "ws/ses-b").string());
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-a").string()).session.value_or(""), "ses-a");
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-a/sub").string()).session.value_or(""), "ses-a");
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-a/../ses-b").string()).session.value_or(""),
            "ses-b");
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-a/../../..").string()).error, "Unknown repository");
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-ab").string()).error, "Unknown repository");
  EXPECT_EQ(t.resolve("", "/etc/passwd").error, "Unknown repository");
  EXPECT_EQ(t.resolve("", std::string("/tmp\0x", 6)).error, "Unknown repository");
  // Two sessions sharing one configured repository: the live, most recently active one.
  t.set_repository("ses-c", (dir.path() / "ws/ses-b").string());
  t.observe(R"({"session":"ses-b","type":"prompt.submit","ts":"2026-01-01T00:00:01.000Z"})");
  t.observe(R"({"session":"ses-c","type":"prompt.submit","ts":"2026-01-01T00:00:02.000Z"})");
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-b").string()).session.value_or(""), "ses-c");
  t.session_ended(std::string("ses-c"));
  EXPECT_EQ(t.resolve("", (dir.path() / "ws/ses-b").string()).session.value_or(""), "ses-b");
}

TEST_F(LibGit2, TrailersAreRealGitTrailers) {
  DecisionTracker t;
  scripted_session(&t, "ses-1");
  Trailers tr = build_trailers(*t.snapshot("ses-1"));
  Trailers expected = {{"PVP-Session", "ses-1"},
                       {"PVP-Messages", "p1,tp1,g1"},
                       {"PVP-Approvers", "bob"},
                       {"PVP-Tools", "file_write:1"},
                       {"Decision-By", "human:alice,human:bob,ai:claude"}};
  EXPECT_EQ(tr, expected);

  std::string msg = add_trailers("feat: add README\n\nBody text.\n", tr);
  EXPECT_EQ(parse_trailers(msg), expected);
  // Idempotent: running the hook twice (amend) replaces, never duplicates.
  EXPECT_EQ(add_trailers(msg, tr), msg);
  // The git CLI agrees.
  TempDir dir;
  dir.write("msg", msg);
  auto parsed = git(dir.path(), {"interpret-trailers", "--parse", (dir.path() / "msg").string()});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  EXPECT_EQ(parsed.out,
            "PVP-Session: ses-1\nPVP-Messages: p1,tp1,g1\nPVP-Approvers: bob\n"
            "PVP-Tools: file_write:1\nDecision-By: human:alice,human:bob,ai:claude\n");
}

TEST_F(LibGit2, AddTrailersEdgeCases) {
  Trailers tr = {{"PVP-Session", "s"}};
  // A subject only.
  EXPECT_EQ(add_trailers("fix", tr), "fix\n\nPVP-Session: s\n");
  // An existing trailer block is joined, not duplicated into a second paragraph.
  EXPECT_EQ(add_trailers("fix\n\nbody\n\nSigned-off-by: A <a@x>\n", tr),
            "fix\n\nbody\n\nSigned-off-by: A <a@x>\nPVP-Session: s\n");
  // git's comment block stays last (git strips it after the hook).
  EXPECT_EQ(add_trailers("fix\n\n# Please enter the commit message\n#\n", tr),
            "fix\n\nPVP-Session: s\n\n# Please enter the commit message\n#\n");
  // An empty message stays empty, so git still aborts the commit.
  EXPECT_EQ(add_trailers("\n# only comments\n", tr), "\n# only comments\n");
  EXPECT_EQ(add_trailers("", tr), "");
  // Stale PVP trailers (another session) are replaced.
  EXPECT_EQ(add_trailers("fix\n\nPVP-Session: old\npvp-tools: x:1\n", tr),
            "fix\n\nPVP-Session: s\n");
  // Values that would break the comma-separated lists are made single tokens.
  SessionDecisions s;
  s.id = "ses 1,x";
  EXPECT_EQ(build_trailers(s).front().second, "ses_1_x");
}

TEST_F(LibGit2, NoteRoundTripInARealRepository) {
  TempDir dir;
  auto repo = dir.path() / "repo";
  RepoResult r = ensure_repository(repo.string(), /*init=*/true);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(std::filesystem::exists(repo / ".git"));
  // A second call opens, never re-initialises.
  EXPECT_TRUE(ensure_repository(repo.string(), false).ok);
  EXPECT_FALSE(ensure_repository((dir.path() / "none").string(), false).ok);

  DecisionTracker t;
  scripted_session(&t, "ses-1");
  t.set_repository("ses-1", repo.string());
  auto s = *t.snapshot("ses-1");
  std::string sha =
      commit_file(repo, "README", "hi\n", add_trailers("docs: README\n", build_trailers(s)));
  ASSERT_EQ(sha.size(), 40u);
  RepoResult n = write_note(repo.string(), "refs/notes/pvp", sha, note_json(s, sha, "now"));
  ASSERT_TRUE(n.ok) << n.error;
  auto note = read_note(repo.string(), "refs/notes/pvp", sha);
  ASSERT_TRUE(note);
  rapidjson::Document d;
  d.Parse(note->c_str());
  ASSERT_FALSE(d.HasParseError()) << *note;
  EXPECT_STREQ(d["session_id"].GetString(), "ses-1");
  EXPECT_STREQ(d["commit"].GetString(), sha.c_str());
  ASSERT_EQ(d["approvers"].Size(), 1u);
  EXPECT_STREQ(d["approvers"][0].GetString(), "bob");
  EXPECT_STREQ(d["gates"][0]["digest"].GetString(), "d1g");
  EXPECT_STREQ(d["gates"][0]["approvers"][0].GetString(), "bob");
  EXPECT_STREQ(d["tool_executions"][0]["status"].GetString(), "succeeded");
  EXPECT_EQ(d["participants"].Size(), 3u);
  // The git CLI reads the same note and the same trailers.
  auto cli = git(repo, {"notes", "--ref=pvp", "show", sha});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, *note);
  auto log = git(repo, {"log", "-1", "--format=%(trailers:key=PVP-Approvers,valueonly)"});
  EXPECT_EQ(log.out, "bob\n\n");
  EXPECT_FALSE(write_note(repo.string(), "refs/notes/pvp", std::string(40, 'f'), "{}").ok);
  EXPECT_FALSE(write_note(repo.string(), "refs/notes/pvp", "../../etc", "{}").ok);
}

TEST_F(LibGit2, HooksAreInstalledButForeignHooksKept) {
  TempDir dir;
  auto repo = dir.path() / "repo";
  ASSERT_TRUE(ensure_repository(repo.string(), true).ok);
  dir.write("repo/.git/hooks/post-commit", "#!/bin/sh\necho mine\n");
  HookConfig hc;
  hc.bridge_url = "http://127.0.0.1:1";
  RepoResult r = install_hooks(repo.string(), hc);
  EXPECT_TRUE(r.ok);
  EXPECT_NE(r.error.find("post-commit"), std::string::npos);
  auto prepare = repo / ".git/hooks/prepare-commit-msg";
  ASSERT_TRUE(std::filesystem::exists(prepare));
  EXPECT_NE(std::filesystem::status(prepare).permissions() & std::filesystem::perms::owner_exec,
            std::filesystem::perms::none);
  std::ifstream in(repo / ".git/hooks/post-commit");
  std::string first;
  std::getline(in, first);
  std::getline(in, first);
  EXPECT_EQ(first, "echo mine");
  // Reinstalling over our own hooks is fine.
  EXPECT_TRUE(install_hooks(repo.string(), hc).ok);
}

TEST_F(LibGit2, ForkBranchesMergeFastForwardMergeCommitAndConflicts) {
  TempDir dir;
  auto repo = dir.path() / "repo";
  ASSERT_TRUE(ensure_repository(repo.string(), true).ok);
  EXPECT_FALSE(create_branch(repo.string(), "pvp/fork/early").ok);  // unborn HEAD
  ASSERT_FALSE(commit_file(repo, "a.txt", "base\n", "base\n").empty());
  std::string main_branch = head_branch(repo.string());
  ASSERT_FALSE(main_branch.empty());

  // Fast-forward: the fork moved, main did not.
  ASSERT_TRUE(create_branch(repo.string(), "pvp/fork/f1").ok);
  ASSERT_EQ(git(repo, {"checkout", "-q", "pvp/fork/f1"}).exit_code, 0);
  std::string f1 = commit_file(repo, "b.txt", "fork\n", "fork work\n");
  ASSERT_EQ(git(repo, {"checkout", "-q", main_branch}).exit_code, 0);
  MergeResult m = merge_branch(repo.string(), "pvp/fork/f1", "");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.kind, "fast_forward");
  EXPECT_EQ(m.commit, f1);
  EXPECT_TRUE(std::filesystem::exists(repo / "b.txt"));  // the checked-out tree followed
  EXPECT_EQ(merge_branch(repo.string(), "pvp/fork/f1", "").kind, "up_to_date");

  // Both sides moved, different files: a merge commit with two parents.
  ASSERT_TRUE(create_branch(repo.string(), "pvp/fork/f2").ok);
  commit_file(repo, "main.txt", "main\n", "main work\n");
  ASSERT_EQ(git(repo, {"checkout", "-q", "pvp/fork/f2"}).exit_code, 0);
  commit_file(repo, "f2.txt", "f2\n", "f2 work\n");
  ASSERT_EQ(git(repo, {"checkout", "-q", main_branch}).exit_code, 0);
  m = merge_branch(repo.string(), "pvp/fork/f2", main_branch);
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.kind, "merge_commit");
  auto parents = git(repo, {"log", "-1", "--format=%P"});
  EXPECT_EQ(std::count(parents.out.begin(), parents.out.end(), ' '), 1) << parents.out;
  EXPECT_TRUE(std::filesystem::exists(repo / "f2.txt"));
  auto status = git(repo, {"status", "--porcelain"});
  EXPECT_EQ(status.out, "");

  // Same file changed on both sides: conflicts reported, nothing written.
  ASSERT_TRUE(create_branch(repo.string(), "pvp/fork/f3").ok);
  commit_file(repo, "a.txt", "main side\n", "main edit\n");
  std::string before = git(repo, {"rev-parse", "HEAD"}).out;
  ASSERT_EQ(git(repo, {"checkout", "-q", "pvp/fork/f3"}).exit_code, 0);
  commit_file(repo, "a.txt", "fork side\n", "fork edit\n");
  ASSERT_EQ(git(repo, {"checkout", "-q", main_branch}).exit_code, 0);
  m = merge_branch(repo.string(), "pvp/fork/f3", "");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.kind, "conflicts");
  EXPECT_EQ(m.conflicts, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(git(repo, {"rev-parse", "HEAD"}).out, before);
  EXPECT_FALSE(merge_branch(repo.string(), "pvp/fork/none", "").ok);
}

}  // namespace
}  // namespace pvpd::git_bridge

namespace pvpd::git_bridge {
namespace {

TEST_F(LibGit2, JournalAnchorInTrailerAndNoteParsesBack) {
  DecisionTracker t;
  scripted_session(&t, "ses-j");
  auto s = t.snapshot("ses-j");
  ASSERT_TRUE(s);
  // Without an anchor (journal off, older host) there is no trailer and the note says null.
  for (const auto &[k, v] : build_trailers(*s)) {
    EXPECT_NE(k, "PVP-Journal");
  }
  rapidjson::Document none;
  none.Parse(note_json(*s, std::string(40, 'b'), "t").c_str());
  EXPECT_TRUE(none["journal_hash"].IsNull());
  EXPECT_TRUE(none["journal_seq"].IsNull());

  const std::string hash(64, 'e');
  s->journal = JournalAnchor{42, hash};
  Trailers tr = build_trailers(*s);
  ASSERT_FALSE(tr.empty());
  EXPECT_EQ(tr.back().first, "PVP-Journal");
  EXPECT_EQ(tr.back().second, "42:" + hash);
  rapidjson::Document n;
  n.Parse(note_json(*s, std::string(40, 'b'), "t").c_str());
  EXPECT_EQ(std::string(n["journal_hash"].GetString()), hash);
  EXPECT_EQ(n["journal_seq"].GetUint64(), 42u);
  // The message's trailer parses back to the same anchor (libgit2 trailer parser).
  Trailers parsed = parse_trailers(add_trailers("feat: x\n", tr));
  ASSERT_FALSE(parsed.empty());
  auto anchor = parse_journal_anchor(parsed.back().second);
  ASSERT_TRUE(anchor);
  EXPECT_EQ(anchor->seq, 42u);
  EXPECT_EQ(anchor->hash, hash);
  // Re-adding replaces the old anchor instead of duplicating it (amend).
  s->journal = JournalAnchor{43, hash};
  std::string amended = add_trailers(add_trailers("feat: x\n", tr), build_trailers(*s));
  EXPECT_EQ(amended.find("PVP-Journal: 42:"), std::string::npos) << amended;
  EXPECT_NE(amended.find("PVP-Journal: 43:"), std::string::npos) << amended;
}

TEST(JournalAnchorTest, MalformedAnchorsAreRejected) {
  const std::string h(64, 'a');
  EXPECT_TRUE(parse_journal_anchor("1:" + h));
  for (const std::string &bad :
       {std::string(""), std::string(":") + h, "x:" + h, "1:" + h.substr(1), "1:" + h + "0",
        "1:" + std::string(63, 'a') + "G", "1:" + std::string(63, 'a') + "A", "-1:" + h,
        "99999999999999999999999:" + h, "1" + h, "01:" + h, std::string("1:"), "1 :" + h}) {
    EXPECT_FALSE(parse_journal_anchor(bad)) << bad;
  }
}

TEST(DecisionStoreTest, StateRoundTripsThroughTheFile) {
  DecisionTracker t;
  scripted_session(&t, "ses-p");
  t.set_repository("ses-p", "/tmp");
  t.observe(frame("ses-q", "prompt.submit", "carol", "q1", R"({"content":"other \"quoted\""})"));
  t.commit_created(std::string("ses-q"), std::string(40, 'c'), "2026-01-01T00:00:00.000Z");
  uint64_t v1 = 0;
  TrackerState st = t.export_state(&v1);
  EXPECT_EQ(v1, t.version());
  TempDir dir;
  const std::string path = (dir.path() / "decisions.json").string();
  ASSERT_EQ(save_state_file(path, st), "");
  std::string error;
  auto loaded = load_state_file(path, &error);
  ASSERT_TRUE(loaded) << error;
  DecisionTracker back;
  back.import_state(std::move(*loaded));
  auto a = t.snapshot("ses-p");
  auto b = back.snapshot("ses-p");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->repository, a->repository);
  EXPECT_EQ(b->participants.size(), 3u);
  EXPECT_EQ(b->approvers(), std::vector<std::string>{"bob"});
  ASSERT_EQ(b->gates.size(), 1u);
  EXPECT_EQ(b->gates[0].digest, "d1g");
  EXPECT_EQ(b->tool_runs[0].status, "succeeded");
  EXPECT_EQ(b->prompts_count, 1u);
  EXPECT_EQ(b->messages_since_last_commit, a->messages_since_last_commit);
  // The restored state gives the same trailers and note as the original.
  EXPECT_EQ(build_trailers(*b), build_trailers(*a));
  EXPECT_EQ(note_json(*b, std::string(40, 'd'), "t"), note_json(*a, std::string(40, 'd'), "t"));
  ASSERT_EQ(back.commits(10).size(), 1u);
  EXPECT_EQ(back.commits(10)[0].session_id, "ses-q");
  EXPECT_EQ(back.status().commits_tracked, 1u);
  // A change moves the version on, so the bridge knows to save again.
  t.observe(frame("ses-p", "prompt.submit", "alice", "p2", R"({"content":"more"})"));
  EXPECT_GT(t.version(), v1);
}

TEST(DecisionStoreTest, MissingAndMalformedFiles) {
  TempDir dir;
  std::string error = "x";
  EXPECT_FALSE(load_state_file((dir.path() / "none.json").string(), &error));
  EXPECT_EQ(error, "") << "no file yet is not an error";
  for (const std::string &bad : {std::string("{"), std::string("[]"), std::string("{}"),
                                 std::string(R"({"pvpd_git_bridge_state":2})"),
                                 std::string(R"({"pvpd_git_bridge_state":"1"})")}) {
    EXPECT_FALSE(decode_state(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  // Wrong member types are skipped, never trusted or crashed on.
  auto st =
      decode_state(R"({"pvpd_git_bridge_state":1,"sessions":[1,{"id":5},{"id":"s","gates":"x",)"
                   R"("participants":[{"id":"a","roles":[1,"r"]}],"tokens":[]}],"commits":{}})",
                   &error);
  ASSERT_TRUE(st) << error;
  ASSERT_EQ(st->sessions.size(), 1u);
  EXPECT_EQ(st->sessions["s"].participants[0].roles, std::vector<std::string>{"r"});
}

TEST_F(LibGit2, ForcedInstallMovesForeignHooksAsideAndUninstallRestoresThem) {
  TempDir dir;
  auto repo = dir.path() / "repo";
  ASSERT_TRUE(ensure_repository(repo.string(), true).ok);
  dir.write("repo/.git/hooks/post-commit", "#!/bin/sh\necho mine\n");
  EXPECT_EQ(foreign_hooks(repo.string()), std::vector<std::string>{"post-commit"});
  HookConfig hc;
  hc.bridge_url = "http://127.0.0.1:1";
  ASSERT_TRUE(install_hooks(repo.string(), hc, true).ok);
  EXPECT_TRUE(foreign_hooks(repo.string()).empty());
  EXPECT_TRUE(std::filesystem::exists(repo / ".git/hooks/post-commit.pre-pvpd"));
  // A subdirectory finds its repository, like git.
  std::filesystem::create_directories(repo / "src/deep");
  auto found = discover_repository((repo / "src/deep").string());
  ASSERT_TRUE(found);
  EXPECT_EQ(std::filesystem::canonical(*found), std::filesystem::canonical(repo));
  EXPECT_FALSE(discover_repository(dir.path().string()));

  RepoResult u = uninstall_hooks(repo.string());
  ASSERT_TRUE(u.ok) << u.error;
  EXPECT_NE(u.value.find("prepare-commit-msg"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(repo / ".git/hooks/prepare-commit-msg"));
  std::ifstream in(repo / ".git/hooks/post-commit");
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  EXPECT_EQ(line, "echo mine");
  EXPECT_EQ(uninstall_hooks(repo.string()).value, "") << "nothing of ours is left";
}

TEST_F(LibGit2, CommitAllWithPathsStagesOnlyThose) {
  TempDir dir;
  auto repo = dir.path() / "repo";
  ASSERT_TRUE(ensure_repository(repo.string(), true).ok);
  dir.write("repo/a.txt", "a\n");
  dir.write("repo/sub/b.txt", "b\n");
  dir.write("repo/c.txt", "c\n");
  RepoResult r = commit_all(repo.string(), "only a and sub\n", {"a.txt", "sub"});
  ASSERT_TRUE(r.ok) << r.error;
  auto files = git(repo, {"show", "--name-only", "--format=", "HEAD"});
  EXPECT_EQ(files.out, "a.txt\nsub/b.txt\n");
  EXPECT_EQ(git(repo, {"status", "--porcelain"}).out, "?? c.txt\n");
  EXPECT_TRUE(set_repo_config(repo.string(), "pvp.bridgeurl", "http://127.0.0.1:5").ok);
  EXPECT_EQ(git(repo, {"config", "--get", "pvp.bridgeurl"}).out, "http://127.0.0.1:5\n");
}

}  // namespace
}  // namespace pvpd::git_bridge
