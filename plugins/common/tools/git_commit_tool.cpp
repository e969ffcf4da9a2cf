// git_commit through the git bridge's /agent-commit (git_commit_tool.h).
#include "tools/git_commit_tool.h"

#include <curl/curl.h>
#include <git2.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <memory>

#include "tools/path_confinement.h"
#include "tools/redactor.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

constexpr uint64_t kMaxWaitMs = 60000;
constexpr size_t kMaxReply = 64 * 1024;

// The bridge URL the workspace repository names; "" with `error` set when there is none.
std::string bridge_url(const std::string &workspace, std::string *error) {
  git_libgit2_init();
  std::string url;
  git_repository *repo = nullptr;
  // The workspace itself must be the repository: no search upwards into a parent's.
  if (git_repository_open_ext(&repo, workspace.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) !=
      0) {
    *error = "the workspace is not a git repository";
  } else {
    git_config *cfg = nullptr;
    git_config *snap = nullptr;
    git_buf buf = GIT_BUF_INIT;
    if (git_repository_config(&cfg, repo) == 0 && git_config_snapshot(&snap, cfg) == 0 &&
        git_config_get_string_buf(&buf, snap, "pvp.bridgeurl") == 0) {
      url.assign(buf.ptr, buf.size);
    } else {
      *error =
          "no git bridge serves this workspace (its repository has no pvp.bridgeurl; is the "
          "git-bridge plugin running?)";
    }
    git_buf_dispose(&buf);
    git_config_free(snap);
    git_config_free(cfg);
    git_repository_free(repo);
  }
  git_libgit2_shutdown();
  return url;
}

size_t collect(char *data, size_t size, size_t n, void *user) {
  auto *out = static_cast<std::string *>(user);
  size_t len = size * n;
  if (out->size() + len > kMaxReply) {
    return 0;  // aborts the transfer: a bridge never answers this much
  }
  out->append(data, len);
  return len;
}

int progress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const CancelToken *>(user)->canceled() ? 1 : 0;
}

std::string request_body(const GitCommitArgs &args) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("message");
  w.String(args.message.c_str(), static_cast<rapidjson::SizeType>(args.message.size()));
  if (!args.paths.empty()) {
    w.Key("paths");
    w.StartArray();
    for (const std::string &p : args.paths) {
      w.String(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

bool is_loopback_http_url(const std::string &url) {
  for (const char *prefix : {"http://127.0.0.1:", "http://localhost:", "http://[::1]:"}) {
    std::string p(prefix);
    if (url.size() > p.size() && url.compare(0, p.size(), p) == 0) {
      std::string port = url.substr(p.size());
      if (!port.empty() && port.back() == '/') {
        port.pop_back();
      }
      return !port.empty() && port.size() <= 5 &&
             std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
  }
  return false;
}

ToolOutcome git_commit(const ToolContext &ctx, const GitCommitArgs &args) {
  ToolOutcome o;
  GitCommitArgs checked;
  checked.message = args.message;
  // Paths go to the bridge workspace-relative and resolved here first, so a path the runtime
  // would refuse for file_write (outside, through a symlink) is refused for a commit too.
  for (const std::string &p : args.paths) {
    ResolvedPath rp;
    std::string error;
    if (!ctx.ws.resolve(p, false, &rp, &error)) {
      o.error = "paths: " + error;
      return o;
    }
    if (rp.parts.empty() || rp.parts.front() == ".git") {
      o.error = "paths: `" + p + "` cannot be committed (the workspace root or .git)";
      return o;
    }
    checked.paths.push_back(rp.rel());
  }
  std::string error;
  std::string url = bridge_url(ctx.ws.root(), &error);
  if (url.empty()) {
    o.error = error;
    return o;
  }
  if (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  if (!is_loopback_http_url(url)) {
    o.error =
        "the workspace names a git bridge that is not a loopback http URL (pvp.bridgeurl = " + url +
        "); refusing to send the commit there";
    return o;
  }
  auto now = std::chrono::steady_clock::now();
  uint64_t wait_ms = kMaxWaitMs;
  if (ctx.deadline != std::chrono::steady_clock::time_point::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - now).count();
    wait_ms = left <= 0 ? 1 : std::min<uint64_t>(wait_ms, static_cast<uint64_t>(left));
  }

  std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    o.error = "cannot create an HTTP client";
    return o;
  }
  std::string body = request_body(checked);
  std::string reply;
  std::string endpoint = url + "/agent-commit";
  std::string repo_header = "X-PVP-Repo: " + ctx.ws.root();
  curl_slist *headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, repo_header.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist *)> header_list(headers, curl_slist_free_all);
  CURL *c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // loopback: an environment proxy must not see it
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(wait_ms));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &ctx.cancel);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (ctx.cancel.canceled()) {
      o.canceled = true;
      o.error = "canceled before the bridge answered (the commit may still have been made)";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      o.timed_out = true;
      o.error = "the git bridge did not answer in time";
    } else {
      o.error =
          std::string("cannot reach the git bridge at ") + url + ": " + curl_easy_strerror(rc);
    }
    return o;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  rapidjson::Document d;
  d.Parse(reply.c_str(), reply.size());
  if (d.HasParseError() || !d.IsObject()) {
    o.error = "the git bridge answered HTTP " + std::to_string(status) + " without JSON";
    return o;
  }
  auto text = [&](const char *key) {
    auto it = d.FindMember(key);
    return it != d.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
  };
  bool success = d.HasMember("success") && d["success"].IsBool() && d["success"].GetBool();
  if (status != 200 || !success) {
    std::string why = text("error");
    o.error =
        "the git bridge did not commit: " + (why.empty() ? "HTTP " + std::to_string(status) : why);
    return o;
  }
  std::string sha = text("sha");
  ctx.out.add(1, "committed " + sha + "\n");
  ctx.out.finish(true);
  o.success = true;
  return o;
}

}  // namespace pvpd::tools
