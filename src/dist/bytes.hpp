#pragma once
// Flat byte encoding of what ranks send each other: trivially copyable
// values and vectors of them, in native byte order (every rank of a job runs
// the same binary on the same kind of machine).
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "cleave/error.hpp"
#include "dist/comm.hpp"

namespace cleave::dist {

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    raw(&v, sizeof v);
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<uint64_t>(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  /// Bytes as they are, without a length.
  void put_raw(const Bytes& b) { raw(b.data(), b.size()); }
  Bytes take() { return std::move(bytes_); }

 private:
  // GCC 12 at -O2 warns about the memcpy into a vector it has just grown
  // (a known false positive of -Wstringop-overflow and -Warray-bounds).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
  void raw(const void* p, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = bytes_.size();
    bytes_.resize(at + n);
    std::memcpy(bytes_.data() + at, p, n);
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  Bytes bytes_;
};

class Reader {
 public:
  explicit Reader(const Bytes& bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    raw(&v, sizeof v);
    return v;
  }
  template <class T>
  std::vector<T> get_vector() {
    const auto n = get<uint64_t>();
    CLEAVE_EXPECTS(n <= (bytes_.size() - at_) / sizeof(T), "a message from another rank is short");
    std::vector<T> v(n);
    raw(v.data(), n * sizeof(T));
    return v;
  }
  std::string get_string() {
    const auto n = get<uint64_t>();
    CLEAVE_EXPECTS(n <= bytes_.size() - at_, "a message from another rank is short");
    std::string s(bytes_.data() + at_, n);
    at_ += n;
    return s;
  }

 private:
  void raw(void* p, std::size_t n) {
    CLEAVE_EXPECTS(n <= bytes_.size() - at_, "a message from another rank is short");
    if (n) std::memcpy(p, bytes_.data() + at_, n);
    at_ += n;
  }
  const Bytes& bytes_;
  std::size_t at_ = 0;
};

}  // namespace cleave::dist
