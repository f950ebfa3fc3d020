// The packed weight file reader (header, checksum, CBOR payload, every field) and, for what it
// accepts, the consumers that trust it: the golden model on an all-zero input and `inspect`'s JSON.
// Each input is read twice: as it is (header and checksum paths), and with its payload size and
// CRC-32 made to match (so mutations reach the CBOR reader and the field checks behind the checksum).
#include <zlib.h>

#include "models/golden.hpp"
#include "models/packed_file.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

constexpr std::size_t kHeader = 24;
constexpr std::size_t kTrailer = 4;

std::string with_matching_checksum(std::string file) {
  const std::uint64_t payload = file.size() - kHeader - kTrailer;
  for (int i = 0; i < 8; ++i) file[16 + i] = static_cast<char>((payload >> (8 * i)) & 0xff);
  const auto body = file.size() - kTrailer;
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(file.data()), static_cast<uInt>(body)));
  for (int i = 0; i < 4; ++i) file[body + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return file;
}

void read(const std::string& file) {
  using namespace ccsim;
  fuzz::expect_clean("fuzz.ccpack", [&] {
    const model::PackedNetwork net = model::decode_packed(file, "fuzz.ccpack");
    (void)model::packed_to_json(net, true).dump();
    if (net.input.size() <= 4096) {
      model::Int8Tensor in{net.input, std::vector<std::int8_t>(static_cast<std::size_t>(net.input.size()), 0)};
      (void)model::run_golden(net, in);
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string file = ccsim::fuzz::bytes(data, size);
  read(file);
  if (size >= kHeader + kTrailer) read(with_matching_checksum(file));
  return 0;
}
