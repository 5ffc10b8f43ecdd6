#pragma once
// The outcome of parsing one piece of configuration: the value, or a message that says what was
// wrong. Parsing never throws for bad input (the loader is fuzzed), so every parser returns this.
#include <string>
#include <utility>
#include <variant>

namespace sqlcache::config {

// Why a value was rejected, in words an operator can act on. Never contains secret values.
struct ParseError {
  std::string message;
};

template <typename T>
class ParseResult {
 public:
  ParseResult(T value) : state_(std::move(value)) {}
  ParseResult(ParseError error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Only valid when ok().
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Only valid when !ok().
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, ParseError> state_;
};

}  // namespace sqlcache::config
