#include "config/yaml_document.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace sqlcache::config {
namespace {

// Only notices where each document starts; the nodes are built by YAML::Load afterwards.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last_start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark last_start = YAML::Mark::null_mark();
};

std::string unexpected(const std::string& text, int pos) {
  if (pos >= 0 && static_cast<std::size_t>(pos) < text.size()) {
    char c = text[static_cast<std::size_t>(pos)];
    if (c > ' ' && c < 127) return std::string("invalid YAML: unexpected '") + c + "'";
  }
  return "invalid YAML: unexpected character";
}

std::string with_hint(const std::string& message) {
  // The likeliest cause in a configuration file: a table wildcard left unquoted, read as an
  // alias.
  if (message == YAML::ErrorMsg::UNKNOWN_ANCHOR) {
    return "invalid YAML: " + message +
           " (a value that starts with '*' must be quoted, as in \"*.sessions\")";
  }
  return "invalid YAML: " + message;
}

}  // namespace

YamlDocument parse_single_document(const std::string& text) {
  YamlDocument out;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    if (parser.HandleNextDocument(starts)) {
      YAML::Mark first = starts.last_start;
      if (parser.HandleNextDocument(starts)) {
        if (starts.last_start.pos == first.pos) {
          out.error = YamlSyntaxError{first, unexpected(text, first.pos)};
        } else {
          out.error = YamlSyntaxError{starts.last_start,
                                      "only one YAML document is allowed in a configuration"};
        }
        return out;
      }
    }
    out.root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    out.error = YamlSyntaxError{e.mark, with_hint(e.msg)};
  }
  return out;
}

}  // namespace sqlcache::config
