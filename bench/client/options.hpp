#pragma once
// Command-line options of bench_client: `--name value` pairs after the mode word, read into a
// map so each mode takes what it needs and reports what it does not know.
#include <map>
#include <optional>
#include <string>

namespace bench {

class Options {
 public:
  // Returns nullopt (after printing why) when an option has no value.
  static std::optional<Options> parse(int argc, char** argv, int first);

  std::string text(const std::string& name, const std::string& fallback = "") const;
  long number(const std::string& name, long fallback) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace bench
