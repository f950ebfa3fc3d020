// Control/status registers of the accelerator's TLM target socket: 32-bit registers, accessed
// with aligned 4-byte reads and writes. The host puts the packed network file (its layer
// descriptors) at NET_ADDR and its weight image (hw::dram_image) at WEIGHT_ADDR with DRAM_BYTES
// free from there (weights, then the spill regions), writes an int8 input into memory, programs
// the addresses, sets START and waits for the interrupt (or polls STATUS). On START the
// accelerator fetches the network file when NET_ADDR or NET_SIZE changed, then its DMA engine
// reads what each layer needs and writes the int8 output.
#pragma once

#include <cstdint>

namespace ccsim::hw::regs {

inline constexpr std::uint64_t kCtrl = 0x00;          // W: bit 0 START, bit 1 clear DONE/ERROR and the interrupt
inline constexpr std::uint64_t kStatus = 0x04;        // R: bit 0 BUSY, bit 1 DONE, bit 2 ERROR
inline constexpr std::uint64_t kError = 0x08;         // R: error code (below)
inline constexpr std::uint64_t kId = 0x0C;            // R: kIdValue
inline constexpr std::uint64_t kWeightAddrLo = 0x10;  // RW: where the weight image starts
inline constexpr std::uint64_t kWeightAddrHi = 0x14;
inline constexpr std::uint64_t kDramBytes = 0x18;     // R: bytes used from the weight address on (the loaded network)
inline constexpr std::uint64_t kInAddrLo = 0x20;      // RW: int8 input (C x H x W)
inline constexpr std::uint64_t kInAddrHi = 0x24;
inline constexpr std::uint64_t kOutAddrLo = 0x28;     // RW: int8 output
inline constexpr std::uint64_t kOutAddrHi = 0x2C;
inline constexpr std::uint64_t kCyclesLo = 0x30;      // R: accelerator cycles of the last run
inline constexpr std::uint64_t kCyclesHi = 0x34;
inline constexpr std::uint64_t kLayers = 0x38;        // R: layers of the loaded network
inline constexpr std::uint64_t kNetAddrLo = 0x40;     // RW: the packed network file (.ccpack bytes)
inline constexpr std::uint64_t kNetAddrHi = 0x44;
inline constexpr std::uint64_t kNetSize = 0x48;       // RW: its size in bytes
inline constexpr std::uint64_t kSize = 0x50;          // register block size

inline constexpr std::uint32_t kStart = 1u << 0;
inline constexpr std::uint32_t kClear = 1u << 1;
inline constexpr std::uint32_t kBusy = 1u << 0;
inline constexpr std::uint32_t kDone = 1u << 1;
inline constexpr std::uint32_t kErrorBit = 1u << 2;
inline constexpr std::uint32_t kIdValue = 0xCC5A0002;

enum ErrorCode : std::uint32_t {
  kNoError = 0,
  kDmaError = 1,   // a DMA transaction got an error response
  kBadData = 2,    // weights or a refill read from DRAM are not what is stored there for the network
  kStartWhileBusy = 3,
  kBadNetwork = 4,  // the fetched file is not a packed network this accelerator can run
};

}  // namespace ccsim::hw::regs
