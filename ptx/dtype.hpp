// Element types that tensor-core instructions consume and produce.
#pragma once
#include <cstdint>

namespace tcb {

enum class DType : uint8_t { f16, bf16, tf32, f32, f64, e4m3, e5m2, s8, u8, s4, u4, b1, s32 };

// Storage width of one element inside a fragment register, in bits.
constexpr int dtype_bits(DType t) {
  switch (t) {
    case DType::f16: case DType::bf16: return 16;
    case DType::tf32: case DType::f32: case DType::s32: return 32;
    case DType::f64: return 64;
    case DType::e4m3: case DType::e5m2: case DType::s8: case DType::u8: return 8;
    case DType::s4: case DType::u4: return 4;
    case DType::b1: return 1;
  }
  return 0;
}

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::f16: return "f16";   case DType::bf16: return "bf16";
    case DType::tf32: return "tf32"; case DType::f32: return "f32";
    case DType::f64: return "f64";   case DType::e4m3: return "e4m3";
    case DType::e5m2: return "e5m2"; case DType::s8: return "s8";
    case DType::u8: return "u8";     case DType::s4: return "s4";
    case DType::u4: return "u4";     case DType::b1: return "b1";
    case DType::s32: return "s32";
  }
  return "?";
}

constexpr bool dtype_is_float(DType t) {
  return t == DType::f16 || t == DType::bf16 || t == DType::tf32 || t == DType::f32 ||
         t == DType::f64 || t == DType::e4m3 || t == DType::e5m2;
}

constexpr bool dtype_is_signed_int(DType t) { return t == DType::s8 || t == DType::s4 || t == DType::s32; }

}  // namespace tcb
