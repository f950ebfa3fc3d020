#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "models/atomic_file.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

PackedNetwork sample_network() {
  const auto net = test::shift_net(11, 0.35);
  PackOptions opt;
  opt.combine = {4, 1.75, 0};
  opt.per_layer["pw3"] = {8, 0.5, 16};
  return pack_network(net, opt, test::random_batch(net.input, 8, 2)).packed;
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  try {
    decode_packed(bytes, "net.ccpack");
    FAIL() << "no error; expected one containing '" << fragment << "'";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("net.ccpack"), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

TEST(PackedFile, RoundTripIsBitExact) {
  const PackedNetwork net = sample_network();
  const std::string bytes = encode_packed(net);
  const PackedNetwork back = decode_packed(bytes, "mem");
  EXPECT_EQ(encode_packed(back), bytes);
  EXPECT_EQ(packed_to_json(back, true), packed_to_json(net, true));
  ASSERT_EQ(back.layers.size(), net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& a = net.layers[i];
    const auto& b = back.layers[i];
    EXPECT_EQ(a.weights, b.weights);
    EXPECT_EQ(a.select, b.select);
    EXPECT_EQ(a.groups, b.groups);
    EXPECT_EQ(a.bias, b.bias);
    EXPECT_EQ(a.shift, b.shift);
    EXPECT_EQ(a.in_scale, b.in_scale);
    EXPECT_EQ(a.out_scale, b.out_scale);
    ASSERT_EQ(a.requant.size(), b.requant.size());
    for (std::size_t r = 0; r < a.requant.size(); ++r) {
      EXPECT_EQ(a.requant[r].m0, b.requant[r].m0);
      EXPECT_EQ(a.requant[r].shift, b.requant[r].shift);
    }
  }
  // The per-layer override is recorded.
  // conv0 shift1 pw1 shift2 pw2 shift3 pw3 ...: ReLUs and batch norms are fused away.
  EXPECT_EQ(back.layers[6].name, "pw3");
  EXPECT_EQ(back.layers[6].alpha, 8);
  EXPECT_EQ(back.layers[6].section, 16);
  EXPECT_EQ(back.layers[2].alpha, 4);
}

TEST(PackedFile, SaveAndLoadThroughTheFileSystem) {
  const auto dir = std::filesystem::temp_directory_path() / ("ccsim-pf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "n.ccpack").string();
  const PackedNetwork net = sample_network();
  save_packed(net, path);
  EXPECT_EQ(encode_packed(load_packed(path)), encode_packed(net));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);  // no temp file left
  EXPECT_THROW(load_packed((dir / "missing.ccpack").string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(PackedFile, TruncationAtAnyPointIsReported) {
  const std::string bytes = encode_packed(sample_network());
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{20}, std::size_t{24},
                        bytes.size() / 2, bytes.size() - 5, bytes.size() - 1}) {
    const std::string cut = bytes.substr(0, n);
    EXPECT_THROW(decode_packed(cut, "net.ccpack"), std::runtime_error) << n;
  }
  expect_error(bytes.substr(0, bytes.size() - 1), "truncated");
  expect_error(bytes.substr(0, 4), "bad magic");
}

TEST(PackedFile, CorruptionAndWrongVersionAreReported) {
  const std::string bytes = encode_packed(sample_network());
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x10);
  expect_error(flipped, "checksum");
  std::string version = bytes;
  version[8] = 7;
  expect_error(version, "version 7");
  expect_error(bytes + "x", "after the checksum");
  std::string magic = bytes;
  magic[0] = 'X';
  expect_error(magic, "magic");
}

TEST(PackedFile, InconsistentContentWithValidChecksumIsReported) {
  PackedNetwork net = sample_network();
  net.layers[0].select[0] = 200;  // points outside its group
  expect_error(encode_packed(net), "select out of range");
  net = sample_network();
  net.layers[0].groups[0].push_back(net.layers[0].groups[1][0]);  // a column in two groups
  expect_error(encode_packed(net), "inconsistent");
  net = sample_network();
  net.layers[2].bias.pop_back();
  expect_error(encode_packed(net), "bias");
}

TEST(AtomicFile, FailureLeavesNothingBehind) {
  EXPECT_THROW(write_file_atomic("/nonexistent-dir/x.bin", "abc"), std::runtime_error);
  EXPECT_THROW(read_file("/nonexistent-dir/x.bin"), std::runtime_error);
}

}  // namespace
}  // namespace ccsim::model
