#include "app/plugin_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "app/core.h"
#include "plugin_host/plugin_catalog.h"
#include "plugin_host/plugin_library.h"

namespace pvpd::app {

Result<plugin_host::PluginInstancePtr> PluginManager::create_instance(
    const config::PluginInstanceConfig &pc, const config::Config &cfg) {
  const plugin_host::LoadOutcome &outcome = catalog_.get(pc.use, pc.path, cfg.daemon.plugin_dirs);
  if (outcome.verdict != plugin_host::Verdict::kOk || !outcome.library) {
    return Status(PVPD_E_NOENT,
                  "plugin '" + pc.use + "' (instance '" + pc.id + "'): " + outcome.message);
  }
  std::string state_dir = cfg.daemon.state_dir + "/plugins/" + pc.id;
  auto inst =
      std::make_shared<plugin_host::PluginInstance>(core_, outcome.library, pc.id, state_dir);
  Status st = inst->create(pc.config_json);
  if (!st) {
    return st;
  }
  return inst;
}

Result<plugin_host::PluginInstancePtr> PluginManager::create_and_start(
    const config::PluginInstanceConfig &pc, const config::Config &cfg) {
  auto created = create_instance(pc, cfg);
  if (!created) {
    return created.status();
  }
  Status st = created.value()->start();
  if (!st) {
    teardown(created.value());
    return st;
  }
  return created.value();
}

void PluginManager::teardown(const plugin_host::PluginInstancePtr &inst) {
  inst->stop();
  inst->destroy();
}

Status PluginManager::start_all(const config::Config &cfg) {
  for (const auto &pc : cfg.plugins) {
    if (!pc.enabled) {
      continue;
    }
    auto created = create_instance(pc, cfg);
    if (!created) {
      stop_all();
      return created.status();
    }
    running_.push_back(created.value());
    running_cfg_.push_back(pc);
  }
  for (const auto &inst : running_) {
    Status st = inst->start();
    if (!st) {
      stop_all();
      return st;
    }
    spdlog::info("plugin instance {}/{} started", inst->plugin_name(), inst->id());
  }
  return Status::ok();
}

Status PluginManager::apply(const config::Config &next, std::string *summary) {
  std::map<std::string, const config::PluginInstanceConfig *> wanted;
  for (const auto &pc : next.plugins) {
    if (pc.enabled) {
      wanted[pc.id] = &pc;
    }
  }
  int unchanged = 0, reloaded = 0, recreated = 0, removed = 0, added = 0, failed = 0;
  std::vector<plugin_host::PluginInstancePtr> kept;
  std::vector<config::PluginInstanceConfig> kept_cfg;
  // Removed instances stop first (reverse start order), so a re-used port is free for a new
  // instance below.
  for (size_t i = running_.size(); i-- > 0;) {
    auto it = wanted.find(running_[i]->id());
    if (it == wanted.end() || it->second->use != running_cfg_[i].use ||
        it->second->path != running_cfg_[i].path) {
      teardown(running_[i]);
      ++removed;
      running_[i].reset();
    }
  }
  Status first_error;
  for (size_t i = 0; i < running_.size(); ++i) {
    if (!running_[i]) {
      continue;
    }
    const config::PluginInstanceConfig &pc = *wanted[running_[i]->id()];
    if (pc.config_json == running_cfg_[i].config_json) {
      ++unchanged;
    } else {
      Status st = running_[i]->reload(pc.config_json);
      if (st) {
        ++reloaded;
      } else {
        if (st.code() != PVPD_E_UNSUPPORTED) {
          spdlog::warn("instance {} could not reload in place ({}); re-creating it",
                       running_[i]->id(), st.message());
        }
        teardown(running_[i]);
        wanted.erase(pc.id);  // handled here, whatever the outcome: not "new" below
        auto started = create_and_start(pc, next);
        if (!started) {
          spdlog::error("instance {} failed to restart after reload: {}", pc.id,
                        started.status().message());
          ++failed;
          if (first_error) {
            first_error = started.status();
          }
          continue;
        }
        running_[i] = started.value();
        ++recreated;
      }
    }
    kept.push_back(running_[i]);
    kept_cfg.push_back(pc);
    wanted.erase(pc.id);
  }
  // What is left in `wanted` is new; keep config order.
  for (const auto &pc : next.plugins) {
    if (wanted.count(pc.id) == 0) {
      continue;
    }
    auto started = create_and_start(pc, next);
    if (!started) {
      spdlog::error("new instance {} failed: {}", pc.id, started.status().message());
      ++failed;
      if (first_error) {
        first_error = started.status();
      }
      continue;
    }
    kept.push_back(started.value());
    kept_cfg.push_back(pc);
    ++added;
  }
  running_ = std::move(kept);
  running_cfg_ = std::move(kept_cfg);
  if (summary != nullptr) {
    *summary = fmt::format("{} unchanged, {} reloaded, {} re-created, {} added, {} removed",
                           unchanged, reloaded, recreated, added, removed);
    if (failed > 0) {
      *summary += fmt::format(", {} failed", failed);
    }
  }
  return first_error;
}

void PluginManager::stop_all() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    (*it)->stop();
  }
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    (*it)->destroy();
  }
  running_.clear();
  running_cfg_.clear();
}

}  // namespace pvpd::app
