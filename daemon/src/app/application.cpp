#include "app/application.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/core.h"
#include "app/plugin_manager.h"
#include "cli/exit_codes.h"
#include "config/loader.h"
#include "journal/journal_options.h"
#include "journal/secret_key.h"
#include "plugin_host/plugin_catalog.h"
#include "systemd/listen_fds.h"
#include "systemd/message_ids.h"
#include "systemd/service_manager.h"
#include "util/logging.h"

namespace pvpd::app {
namespace {

CoreOptions core_options_from(const config::Config &cfg) {
  CoreOptions o;
  o.inbound_queue_limit = cfg.daemon.inbound_queue_limit;
  o.max_message_bytes = cfg.daemon.max_message_bytes;
  o.stall_warn = std::chrono::milliseconds(cfg.daemon.stall_warn_ms);
  o.blocking_threads = cfg.daemon.blocking_threads;
  o.credentials_dir = cfg.daemon.credentials_dir;
  const config::DaemonConfig &d = cfg.daemon;
  o.protocol.workspace_root = d.workspace_root;
  o.protocol.auth.mode = d.auth_mode;
  o.protocol.auth.allow_open_remote = d.auth_allow_open_remote;
  for (const auto &t : d.auth_tokens) {
    o.protocol.auth.tokens.push_back(
        auth::TokenGrant{t.sha256, t.participant, t.roles, t.capabilities, t.admin});
  }
  o.protocol.gate_timeout_ms = d.gate_timeout_ms;
  o.protocol.gate_timeout_resolution = d.gate_timeout_resolution;
  o.protocol.risk_threshold = d.risk_threshold;
  o.protocol.gated_tools = d.gated_tools;
  o.protocol.reconnect_grace_ms = d.reconnect_grace_ms;
  o.protocol.interrupt_ack_timeout_ms = d.interrupt_ack_timeout_ms;
  o.protocol.max_history = static_cast<size_t>(d.max_history);
  return o;
}

logging::Options logging_options_from(const config::Config &cfg, const cli::Options &cli) {
  logging::Options o;
  o.level = cli.log_level.value_or(cfg.daemon.log_level);
  o.target = cli.log_target.value_or(cfg.daemon.log_target);
  o.file = cfg.daemon.log_file;
  return o;
}

// systemd.exec(5): programs that do not use select() should raise the soft fd limit
// themselves rather than rely on LimitNOFILE=.
void raise_fd_limit() {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void print_diagnostics(const std::vector<config::Diagnostic> &diags) {
  for (const auto &d : diags) {
    std::cerr << d.format() << "\n";
  }
}

class Daemon {
 public:
  Daemon(const cli::Options &cli, config::Config cfg, plugin_host::PluginCatalog &catalog)
      : cli_(cli),
        cfg_(std::move(cfg)),
        catalog_(catalog),
        core_(core_options_from(cfg_)),
        plugins_(core_, catalog_),
        notifier_(systemd::make_service_manager()),
        signals_(core_.io(), SIGHUP, SIGTERM, SIGINT),
        watchdog_(core_.io()) {}

  int run() {
    if (cfg_.daemon.journal_enabled) {
      journal::JournalOptions jo;
      jo.dir = cfg_.daemon.state_dir + "/journal";
      journal::parse_fsync_mode(cfg_.daemon.journal_fsync, &jo.fsync);
      jo.batch_interval_ms = cfg_.daemon.journal_batch_interval_ms;
      jo.batch_max_records = cfg_.daemon.journal_batch_max_records;
      jo.blob_threshold_bytes = cfg_.daemon.journal_blob_threshold_bytes;
      jo.retention_ended_after_ms = cfg_.daemon.journal_retention_ended_after_ms;
      jo.retention_archive = cfg_.daemon.journal_retention_action != "delete";
      auto key = journal::load_journal_secret_key(jo.dir, core_.credentials_dir(),
                                                  cfg_.daemon.journal_secret_key_credential);
      if (!key) {
        spdlog::critical("journal: {}", key.status().message());
        core_.join_blocking_pool();
        return cli::kExitFailure;
      }
      jo.secret_key = std::move(key.value());
      auto opened = core_.open_journal(jo);
      if (!opened) {
        spdlog::critical("journal: {}", opened.status().message());
        core_.join_blocking_pool();
        return cli::kExitFailure;
      }
      for (const auto &line : opened.value()) {
        spdlog::log(line.find("NOT restored") != std::string::npos ? spdlog::level::err
                                                                   : spdlog::level::info,
                    "journal: {}", line);
      }
    } else {
      spdlog::warn("journal disabled: messages are not durable");
    }
    core_.set_listen_fds(
        std::make_shared<systemd::ListenFds>(systemd::ListenFds::from_environment()));
    Status st = plugins_.start_all(cfg_);
    if (!st) {
      spdlog::critical("startup failed: {}", st.message());
      notifier_->status("startup failed: " + st.message());
      core_.join_blocking_pool();
      return cli::kExitFailure;
    }
    // A socket systemd passed that no plugin took would accept connections nobody serves.
    for (const auto &name : core_.close_untaken_listen_fds()) {
      spdlog::warn("socket-activation fd '{}' was not taken by any plugin; closed it", name);
    }
    wait_signal();
    start_watchdog();
    core_.set_plugin_status_source([this] {
      std::vector<PluginStatus> out;
      for (const auto &inst : plugins_.instances()) {
        out.push_back({std::string(inst->plugin_name()), inst->id(), inst->status_json()});
      }
      return out;
    });
    core_.start_ticker();
    std::string status = fmt::format("running: {} plugin instance(s)", plugins_.instances().size());
    notifier_->ready(status);
    logging::Fields f;
    f.message_id = systemd::message_ids::kStarted;
    logging::log(spdlog::level::info, f, "pvpd " + status);
    core_.io().run();
    core_.join_blocking_pool();
    logging::flush();
    return exit_code_;
  }

 private:
  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code &ec, int signo) {
      if (ec) {
        return;
      }
      if (signo == SIGHUP) {
        reload();
        wait_signal();
      } else {
        shutdown(signo);
      }
    });
  }

  void start_watchdog() {
    auto interval = notifier_->watchdog_interval();
    if (!interval) {
      return;
    }
    // Ping at half the interval (sd_watchdog_enabled(3)); a wedged core thread stops pinging.
    watchdog_period_ = std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2);
    if (watchdog_period_.count() <= 0) {
      watchdog_period_ = std::chrono::milliseconds(1);
    }
    arm_watchdog();
  }
  void arm_watchdog() {
    notifier_->watchdog();
    watchdog_.expires_after(watchdog_period_);
    watchdog_.async_wait([this](const boost::system::error_code &ec) {
      if (!ec && !stopping_) {
        arm_watchdog();
      }
    });
  }

  void reload() {
    notifier_->reloading("reloading configuration");
    spdlog::info("SIGHUP: reloading {}", cli_.config_path);
    config::LoadResult result =
        config::load_file(cli_.config_path, catalog_, config::process_env());
    if (!result.ok()) {
      size_t errors = 0;
      for (const auto &d : result.diagnostics) {
        errors += d.severity == config::Severity::kError ? 1 : 0;
        spdlog::error("{}", d.format());
      }
      std::string status = fmt::format(
          "reload failed: {} error(s); keeping the running "
          "configuration",
          errors);
      logging::Fields f;
      f.message_id = systemd::message_ids::kReloadFailed;
      logging::log(spdlog::level::err, f, status);
      notifier_->ready(status);
      return;
    }
    config::Config next = std::move(*result.config);
    config::ConfigDiff diff = config::diff(cfg_, next);
    for (const auto &key : diff.restart_only_changes) {
      spdlog::warn("{} changed; takes effect after restart", key);
    }
    Status log_st = logging::init(logging_options_from(next, cli_));
    if (!log_st) {
      spdlog::error("logging: {}", log_st.message());
    }
    core_.set_options(core_options_from(next));
    std::string summary;
    Status st = plugins_.apply(next, &summary);
    cfg_ = std::move(next);
    std::string status = "reloaded: " + summary;
    if (!st) {
      status += " (" + st.message() + ")";
    }
    logging::Fields f;
    f.message_id = systemd::message_ids::kReloaded;
    logging::log(st ? spdlog::level::info : spdlog::level::err, f, status);
    notifier_->ready(status);
  }

  void shutdown(int signo) {
    if (stopping_) {
      return;
    }
    stopping_ = true;
    notifier_->stopping("stopping");
    logging::Fields f;
    f.message_id = systemd::message_ids::kStopping;
    logging::log(spdlog::level::info, f,
                 fmt::format("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM"));
    signals_.cancel();
    watchdog_.cancel();
    core_.stop_ticker();
    // Clients learn why before their sockets close (the reference closes first). The notice
    // waits behind pending journal commits, so give them until the grace deadline.
    core_.announce_shutdown("Server shutdown");
    drain_deadline_ =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg_.daemon.shutdown_grace_ms);
    finish_shutdown();
  }

  void finish_shutdown() {
    if (core_.pending_deliveries() > 0 && std::chrono::steady_clock::now() < drain_deadline_) {
      watchdog_.expires_after(std::chrono::milliseconds(2));
      watchdog_.async_wait([this](const boost::system::error_code &) { finish_shutdown(); });
      return;
    }
    core_.close_all_connections(PVPD_CLOSE_SHUTDOWN);
    plugins_.stop_all();
    core_.close_journal();
    core_.io().stop();
    exit_code_ = cli::kExitOk;
  }

  const cli::Options &cli_;
  config::Config cfg_;
  plugin_host::PluginCatalog &catalog_;
  Core core_;
  PluginManager plugins_;
  std::unique_ptr<systemd::ServiceManager> notifier_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_;
  std::chrono::milliseconds watchdog_period_{0};
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  int exit_code_ = cli::kExitOk;
};

}  // namespace

int run_daemon(const cli::Options &options) {
  plugin_host::PluginCatalog catalog;
  config::LoadResult result =
      config::load_file(options.config_path, catalog, config::process_env());
  if (!result.ok()) {
    print_diagnostics(result.diagnostics);
    return cli::kExitConfig;
  }
  print_diagnostics(result.diagnostics);  // warnings only at this point
  config::Config cfg = std::move(*result.config);
  Status log_st = logging::init(logging_options_from(cfg, options));
  if (!log_st) {
    std::cerr << "pvpd: logging: " << log_st.message() << "\n";
    return cli::kExitConfig;
  }
  raise_fd_limit();
  std::error_code ec;
  std::filesystem::create_directories(cfg.daemon.state_dir, ec);
  if (ec) {
    spdlog::critical("cannot create state_dir {}: {}", cfg.daemon.state_dir, ec.message());
    return cli::kExitFailure;
  }
  ::chmod(cfg.daemon.state_dir.c_str(), 0750);
  Daemon daemon(options, std::move(cfg), catalog);
  return daemon.run();
}

}  // namespace pvpd::app
