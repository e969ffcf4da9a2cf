#include "config/yaml_source.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>
#include <stdexcept>

#include "config/tree_walk.h"

namespace pvpd::config {

const YamlNode *YamlNode::find(std::string_view key) const {
  for (const auto &[k, v] : entries) {
    if (k.scalar == key) {
      return &v;
    }
  }
  return nullptr;
}

YamlNode *YamlNode::find(std::string_view key) {
  for (auto &[k, v] : entries) {
    if (k.scalar == key) {
      return &v;
    }
  }
  return nullptr;
}

bool YamlNode::any_expand_failed() const {
  if (expand_failed) {
    return true;
  }
  for (const auto &i : items) {
    if (i.any_expand_failed()) {
      return true;
    }
  }
  for (const auto &[k, v] : entries) {
    if (v.any_expand_failed()) {
      return true;
    }
  }
  return false;
}

std::string YamlNode::describe() const {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kScalar: {
      // Keep one-line diagnostics one line, whatever the value.
      constexpr size_t kMaxShown = 60;
      std::string shown = scalar.substr(0, kMaxShown);
      for (char &c : shown) {
        if (c == '\n' || c == '\r' || c == '\t') {
          c = ' ';
        }
      }
      return "'" + shown + (scalar.size() > kMaxShown ? "...'" : "'");
    }
    case Kind::kSequence: return "a list";
    case Kind::kMap: return "a map";
  }
  return "?";
}

namespace {

// Alias expansion copies subtrees; this bounds "billion laughs" documents.
constexpr size_t kMaxNodes = 200000;

struct Abort : std::runtime_error {
  Abort(Mark m, std::string msg) : std::runtime_error(msg), mark(std::move(m)) {}
  Mark mark;
};

size_t count_nodes(const YamlNode &n) {
  size_t c = 1;
  for (const auto &i : n.items) {
    c += count_nodes(i);
  }
  for (const auto &[k, v] : n.entries) {
    c += 1 + count_nodes(v);
  }
  return c;
}

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string file) : file_(std::move(file)) {}

  std::optional<YamlNode> &result() { return result_; }
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark &mark) override {
    ++documents_;
    if (documents_ > 1) {
      throw Abort(to_mark(mark), "only one YAML document per file is supported");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    YamlNode n;
    n.mark = to_mark(mark);
    complete(std::move(n), anchor);
  }

  void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // yaml-cpp registers an anchor when its node starts, so "&a [*a]" would be a cycle.
      throw Abort(to_mark(mark), "alias refers to an anchor that is not complete (recursive)");
    }
    charge(count_nodes(it->second), mark);
    YamlNode copy = it->second;
    complete(std::move(copy), 0);
  }

  void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                const std::string &value) override {
    YamlNode n;
    n.kind = YamlNode::Kind::kScalar;
    n.mark = to_mark(mark);
    n.scalar = value;
    n.quoted = tag != "?";
    complete(std::move(n), anchor);
  }

  void OnSequenceStart(const YAML::Mark &mark, const std::string & /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(YamlNode::Kind::kSequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark &mark, const std::string & /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(YamlNode::Kind::kMap, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor = 0;
    std::optional<YamlNode> pending_key;  // maps: key seen, value not yet
  };

  Mark to_mark(const YAML::Mark &m) const {
    if (m.is_null()) {
      return Mark{file_, 0, 0};
    }
    return Mark{file_, m.line + 1, m.column + 1};
  }

  void charge(size_t n, const YAML::Mark &mark) {
    nodes_ += n;
    if (nodes_ > kMaxNodes) {
      throw Abort(to_mark(mark), "document too large (more than " + std::to_string(kMaxNodes) +
                                     " nodes after expanding aliases)");
    }
  }

  void open(YamlNode::Kind kind, const YAML::Mark &mark, YAML::anchor_t anchor) {
    charge(1, mark);
    Frame f;
    f.node.kind = kind;
    f.node.mark = to_mark(mark);
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void close() {
    if (stack_.empty()) {
      throw Abort(Mark{file_, 0, 0}, "unbalanced YAML events");
    }
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.pending_key) {
      // A key without a value cannot happen with yaml-cpp, but never lose it silently.
      YamlNode null_value;
      null_value.mark = f.pending_key->mark;
      f.node.entries.emplace_back(std::move(*f.pending_key), std::move(null_value));
    }
    complete(std::move(f.node), f.anchor);
  }

  void complete(YamlNode n, YAML::anchor_t anchor) {
    if (n.kind != YamlNode::Kind::kSequence && n.kind != YamlNode::Kind::kMap) {
      nodes_ += 1;
    }
    if (anchor != 0) {
      anchors_[anchor] = n;
    }
    if (stack_.empty()) {
      result_ = std::move(n);
      return;
    }
    Frame &parent = stack_.back();
    if (parent.node.kind == YamlNode::Kind::kSequence) {
      parent.node.items.push_back(std::move(n));
      return;
    }
    if (!parent.pending_key) {
      parent.pending_key = std::move(n);
      return;
    }
    YamlNode key = std::move(*parent.pending_key);
    parent.pending_key.reset();
    if (n.is_null()) {
      // yaml-cpp marks an empty value at the next token, often on the next line: the key's
      // position is the one a reader expects.
      n.mark = key.mark;
    }
    parent.node.entries.emplace_back(std::move(key), std::move(n));
  }

  std::string file_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, YamlNode> anchors_;
  std::optional<YamlNode> result_;
  size_t nodes_ = 0;
  int documents_ = 0;
};

}  // namespace

std::optional<YamlNode> parse_yaml(const std::string &text, const std::string &file,
                                   DiagnosticSink &sink) {
  TreeBuilder builder(file);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const Abort &e) {
    sink.error(e.mark, "", e.what());
    return std::nullopt;
  } catch (const YAML::Exception &e) {
    // yaml-cpp marks are 0-based and its text never names the file.
    Mark m{file, 0, 0};
    if (!e.mark.is_null()) {
      m.line = e.mark.line + 1;
      m.col = e.mark.column + 1;
    }
    sink.error(m, "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (!builder.result()) {
    YamlNode empty;
    empty.mark = Mark{file, 1, 1};
    return empty;
  }
  YamlNode root = std::move(*builder.result());
  remove_duplicate_keys(root, sink);
  return root;
}

}  // namespace pvpd::config
