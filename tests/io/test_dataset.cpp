/// @file test_dataset.cpp
/// @brief The in-memory dataset entry points check the ids they are given
/// (checked_sample_ids), and a missing dataset file is an I/O error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cleave/dataset.hpp"
#include "cleave/error.hpp"

using namespace cleave;

namespace {

/// The message of the error f throws with code `code` ("" when none).
template <class F>
std::string error_of(F&& f, errc code) {
  try {
    f();
  } catch (const cleave::error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace

TEST(Dataset, InMemoryIdsAreChecked) {
  EXPECT_EQ(checked_sample_ids({}, 3), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(checked_sample_ids({"a", "b"}, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(error_of([] { checked_sample_ids({"a"}, 2); }, errc::invalid_argument)
                .find("1 ids for 2 samples"),
            std::string::npos);
  const auto bad = errc::format;
  EXPECT_NE(error_of(
                [] {
                  checked_sample_ids({"a", ""}, 2);
                },
                bad)
                .find("<memory>:2: empty id"),
            std::string::npos);
  EXPECT_NE(error_of(
                [] {
                  checked_sample_ids({"a\nb", "c"}, 2);
                },
                bad)
                .find("<memory>:1: id holds"),
            std::string::npos);
  EXPECT_NE(error_of(
                [] {
                  checked_sample_ids({"x", "y", "x"}, 3);
                },
                bad)
                .find("<memory>:3: duplicate id 'x' (first at record 1)"),
            std::string::npos);
  // Embeddings have no reader of their own to catch a duplicate.
  const std::vector<float> v = {1, 0, 0, 1};
  error_of([&] { dataset_from_embeddings(v.data(), 2, 2, {"e", "e"}); }, bad);
  const std::vector<std::string> seqs = {"MKV", "MKL"};
  error_of([&] { dataset_from_sequences(seqs, {"s", ""}, DatasetOptions{}); }, bad);
}

TEST(Dataset, MissingFileIsAnIoError) {
  EXPECT_NE(error_of([] { load_dataset("/nonexistent/in.fasta", DatasetOptions{}); }, errc::io)
                .find("/nonexistent/in.fasta"),
            std::string::npos);
}
