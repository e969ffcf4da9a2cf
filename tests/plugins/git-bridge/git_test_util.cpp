// Git bridge test helpers (see git_test_util.h).
#include "git_test_util.h"

#include <git2.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace pvpd::testing::git {

std::string git_binary() {
  // The harness spawns without a PATH search.
  const char *path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    std::size_t colon = dirs.find(':', pos);
    std::string dir =
        dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / "git";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
    if (colon == std::string::npos) {
      break;
    }
    pos = colon + 1;
  }
  return "/usr/bin/git";
}

std::map<std::string, std::string> git_env(const std::map<std::string, std::string> &extra) {
  std::map<std::string, std::string> env = {{"GIT_CONFIG_NOSYSTEM", "1"},
                                            {"GIT_CONFIG_GLOBAL", "/dev/null"},
                                            {"GIT_AUTHOR_NAME", "Test Author"},
                                            {"GIT_AUTHOR_EMAIL", "author@example.com"},
                                            {"GIT_COMMITTER_NAME", "Test Author"},
                                            {"GIT_COMMITTER_EMAIL", "author@example.com"},
                                            {"GIT_PAGER", "cat"},
                                            {"PVP_GIT_BRIDGE_URL", ""}};
  for (const auto &[k, v] : extra) {
    env[k] = v;
  }
  return env;
}

ProcessResult git(const std::filesystem::path &repo, const std::vector<std::string> &args,
                  const std::map<std::string, std::string> &extra_env) {
  std::vector<std::string> argv = {git_binary(), "-C", repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, std::chrono::seconds(30), git_env(extra_env));
}

std::string commit_file(const std::filesystem::path &repo_path, const std::string &file,
                        const std::string &content, const std::string &message) {
  std::ofstream(repo_path / file) << content;
  git_repository *repo = nullptr;
  if (git_repository_open(&repo, repo_path.c_str()) != 0) {
    return "";
  }
  std::string sha;
  git_index *index = nullptr;
  git_oid tree_oid, commit_oid;
  git_tree *tree = nullptr;
  git_signature *sig = nullptr;
  git_object *parent = nullptr;
  git_reference *head_ref = nullptr;
  if (git_repository_index(&index, repo) == 0 && git_index_add_bypath(index, file.c_str()) == 0 &&
      git_index_write(index) == 0 && git_index_write_tree(&tree_oid, index) == 0 &&
      git_tree_lookup(&tree, repo, &tree_oid) == 0 &&
      git_signature_now(&sig, "Test Author", "author@example.com") == 0) {
    git_revparse_ext(&parent, &head_ref, repo, "HEAD");  // fails on an unborn HEAD: no parent
    const git_commit *parents[] = {reinterpret_cast<const git_commit *>(parent)};
    if (git_commit_create(&commit_oid, repo, "HEAD", sig, sig, nullptr, message.c_str(), tree,
                          parent != nullptr ? 1 : 0, parents) == 0) {
      char buf[GIT_OID_HEXSZ + 1];
      sha = git_oid_tostr(buf, sizeof(buf), &commit_oid);
    }
  }
  git_reference_free(head_ref);
  git_object_free(parent);
  git_signature_free(sig);
  git_tree_free(tree);
  git_index_free(index);
  git_repository_free(repo);
  return sha;
}

std::string frame(const std::string &session, const std::string &type, const std::string &sender,
                  const std::string &id, const std::string &payload_json) {
  return R"({"v":1,"id":")" + id + R"(","ts":"2026-12-06T05:00:00.000Z","session":")" + session +
         R"(","sender":")" + sender + R"(","type":")" + type + R"(","payload":)" + payload_json +
         "}";
}

}  // namespace pvpd::testing::git
