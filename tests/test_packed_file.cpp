#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "models/atomic_file.hpp"
#include "models/pack.hpp"
#include "models/packed_file.hpp"
#include "tests/test_util.hpp"

namespace ccsim::model {
namespace {

PackedNetwork sample_network() {
  const auto net = test::shift_net(11, 0.35);
  PackOptions opt;
  opt.scope = CombineScope::AllWeightLayers;  // combine every weight layer, the first and FC ones too
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
  net.layers[0].groups[0] = {net.layers[0].groups[0][0], net.layers[0].groups[0][0]};  // a group listing a column twice
  expect_error(encode_packed(net), "lists column");
  // A column may be in two groups (an n-of-m layer's packed columns share members), but a row
  // may not hold its weight in two cells.
  net = sample_network();
  auto& l = net.layers[0];
  l.groups[0] = {l.groups[1][0]};
  for (int r = 0; r < l.rows(); ++r) {
    l.select[l.cell(r, 0)] = 0;
    l.weights[l.cell(r, 0)] = 0;
  }
  EXPECT_EQ(decode_packed(encode_packed(net), "mem").layers[0].groups, l.groups) << "column shared, weights not";
  l.select[l.cell(0, 1)] = 0;
  l.weights[l.cell(0, 0)] = 1;
  l.weights[l.cell(0, 1)] = -1;
  expect_error(encode_packed(net), "row 0 holds column");
  net = sample_network();
  net.layers[2].bias.pop_back();
  expect_error(encode_packed(net), "bias");
}

// A file with a valid header and checksum around any CBOR payload: what a hostile or buggy writer
// can hand the reader once the checksum no longer protects it.
std::string file_around(const std::vector<std::uint8_t>& payload) {
  std::string out = encode_packed(sample_network()).substr(0, 16);  // magic, version, flags
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
  out.append(payload.begin(), payload.end());
  const auto crc = static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(out.data()),
                                                    static_cast<uInt>(out.size())));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

nlohmann::json payload_of(const PackedNetwork& net) {
  const std::string bytes = encode_packed(net);
  return nlohmann::json::from_cbor(bytes.begin() + 24, bytes.end() - 4);
}

// The activation and weight widths are kept; a file written before they were recorded (no
// "activation_bits") reads as the 8-bit network it is; values beyond a width are refused.
TEST(PackedFile, QuantizationWidthsRoundTrip) {
  const auto net = test::shift_net(11, 0.35);
  PackOptions opt;
  opt.activation_bits = 5;
  opt.weight_bits = 2;
  const PackedNetwork low = pack_network(net, opt, test::random_batch(net.input, 8, 2)).packed;
  const PackedNetwork back = decode_packed(encode_packed(low), "mem");
  EXPECT_EQ(back.activation_bits, 5);
  EXPECT_EQ(back.weight_bits, 2);
  for (const auto& l : back.layers) {
    for (const auto w : l.weights) ASSERT_TRUE(w >= -2 && w <= 1) << l.name;
  }
  nlohmann::json old = payload_of(sample_network());
  old["quantization"].erase("activation_bits");
  old["quantization"].erase("weight_bits");
  const PackedNetwork before = decode_packed(file_around(nlohmann::json::to_cbor(old)), "old.ccpack");
  EXPECT_EQ(before.activation_bits, 8);
  EXPECT_EQ(before.weight_bits, 8);
  nlohmann::json wide = payload_of(low);
  wide["quantization"]["weight_bits"] = 1;
  expect_error(file_around(nlohmann::json::to_cbor(wide)), "activation and weight widths must be in [2, 8] bits");
  PackedNetwork bad = low;
  bad.weight_bits = 1;
  EXPECT_THROW(validate(bad), std::invalid_argument);
  bad = low;
  bad.activation_bits = 4;  // its layers clamp to 5 bits
  EXPECT_THROW(validate(bad), std::invalid_argument);
  opt.activation_bits = 9;
  EXPECT_THROW(pack_network(net, opt, test::random_batch(net.input, 8, 2)), std::invalid_argument);
}

TEST(PackedFile, DeeplyNestedPayloadIsRefusedWithoutRecursing) {
  // 100,000 nested one-entry maps {"a": {"a": ...}}: overflowed the stack of the recursive CBOR reader.
  std::vector<std::uint8_t> deep;
  for (int i = 0; i < 100000; ++i) deep.insert(deep.end(), {0xa1, 0x61, 'a'});
  deep.push_back(0xf6);  // null
  expect_error(file_around(deep), "nested deeper than 64 levels");
  // Arrays too ([[[...]]]), and a depth within the bound is not the error.
  expect_error(file_around(std::vector<std::uint8_t>(5000, 0x81)), "nested deeper");
  std::vector<std::uint8_t> shallow(10, 0x81);
  shallow.push_back(0xf6);
  try {
    decode_packed(file_around(shallow), "net.ccpack");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("nested"), std::string::npos) << e.what();
  }
}

TEST(PackedFile, InvalidUtf8InAStringIsRefused) {
  nlohmann::json j = payload_of(sample_network());
  j["layers"][1]["name"] = std::string("pw\xff\xfe");  // nlohmann stores it; CBOR carries it as a text string
  expect_error(file_around(nlohmann::json::to_cbor(j)), "not valid UTF-8");
  j = payload_of(sample_network());
  j["name"] = std::string("\xc0\xaf");  // overlong '/'
  expect_error(file_around(nlohmann::json::to_cbor(j)), "not valid UTF-8");
  j["name"] = std::string("caf\xc3\xa9");  // valid UTF-8 stays valid
  EXPECT_EQ(decode_packed(file_around(nlohmann::json::to_cbor(j)), "net.ccpack").name, "caf\xc3\xa9");
}

TEST(PackedFile, ValuesOfTheWrongKindOrRangeAreRefusedNamingTheField) {
  const PackedNetwork net = sample_network();
  const auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = payload_of(net);
    edit(j);
    return file_around(nlohmann::json::to_cbor(j));
  };
  // A float where an integer is expected (was a float-to-int cast, undefined beyond int's range).
  expect_error(with([](auto& j) { j["layers"][0]["groups"][0][0] = 1e30; }),
               "layers[0]: field 'groups': element 0: element 0: expected an integer in [0, 4294967295], got 1e+30");
  expect_error(with([](auto& j) { j["layers"][0]["alpha"] = 2.5; }), "field 'alpha': expected an integer");
  // A negative column index (was read as 4294967295).
  expect_error(with([](auto& j) { j["layers"][0]["groups"][0][0] = -1; }), "got -1");
  expect_error(with([](auto& j) { j["layers"][0]["act_max"] = 300; }), "field 'act_max': expected an integer in [-128, 127], got 300");
  expect_error(with([](auto& j) { j["input_scale"] = 1e300; }), "field 'input_scale': expected a finite number");
  expect_error(with([](auto& j) { j["layers"][0]["name"] = 5; }), "field 'name': expected a string, got 5");
}

TEST(AtomicFile, FailureLeavesNothingBehind) {
  EXPECT_THROW(write_file_atomic("/nonexistent-dir/x.bin", "abc"), std::runtime_error);
  EXPECT_THROW(read_file("/nonexistent-dir/x.bin"), std::runtime_error);
}

class AtomicFileIn : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ccsim-af-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::size_t entries() const { return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_), {})); }
  std::filesystem::path dir_;
};

// A symlink is followed: its target gets the content and the link stays a link (the rename used to
// replace the link by a regular file).
TEST_F(AtomicFileIn, SymlinkIsFollowed) {
  write_file_atomic(path("target.bin"), "old");
  std::filesystem::create_symlink("target.bin", path("link.bin"));
  write_file_atomic(path("link.bin"), "new");
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.bin")));
  EXPECT_EQ(read_file(path("target.bin")), "new");
  std::filesystem::create_symlink("later.bin", path("dangling.bin"));  // a link to a file yet to exist
  write_file_atomic(path("dangling.bin"), "made");
  EXPECT_TRUE(std::filesystem::is_symlink(path("dangling.bin")));
  EXPECT_EQ(read_file(path("later.bin")), "made");
  EXPECT_EQ(entries(), 4u);  // no temporary file left
}

// A device or FIFO is written in place (renaming over /dev/null as root replaced the device node).
TEST_F(AtomicFileIn, DeviceIsWrittenInPlaceAndDirectoryRefused) {
  write_file_atomic("/dev/null", "discarded");
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file(path("fifo")); });
  write_file_atomic(path("fifo"), "through the pipe");
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(std::filesystem::is_fifo(path("fifo")));
  std::filesystem::create_directories(path("sub"));
  try {
    write_file_atomic(path("sub"), "x");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path("sub") + ": is a directory");
  }
  EXPECT_EQ(entries(), 2u);
}

// Several outputs of one command: all or none.
TEST_F(AtomicFileIn, OutputFilesAreWrittenAllOrNone) {
  {
    OutputFiles files;
    files.add(path("a.ccpack"), "packed");
    EXPECT_THROW(files.add("/nonexistent-dir/report.json", "{}"), std::runtime_error);
  }  // not committed: the staged file goes
  EXPECT_EQ(entries(), 0u);
  OutputFiles files;
  files.add(path("a.ccpack"), "packed");
  files.add(path("b.json"), "{}");
  EXPECT_FALSE(std::filesystem::exists(path("a.ccpack")));
  files.commit();
  EXPECT_EQ(read_file(path("a.ccpack")), "packed");
  EXPECT_EQ(read_file(path("b.json")), "{}");
  EXPECT_EQ(entries(), 2u);
}

}  // namespace
}  // namespace ccsim::model
