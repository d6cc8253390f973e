// Deterministic pseudo-random numbers for the demo population.
//
//   demo::Rng rng(demo::MixSeed(seed, patient_index));
//   int age = rng.Between(18, 85);
//   if (rng.Chance(0.45)) AddDepression();
//
// Why our own generator: the population must be byte-identical for the same seed on every
// platform and library version, and std:: distributions are implementation-defined. This
// is xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/) seeded by splitmix64.
// Only integer arithmetic and IEEE-exact double operations (+ - * /) are used, so results
// do not depend on libm.
//
// Not thread-safe; use one Rng per thread (or per patient, as the generator does).
#pragma once

#include <cstdint>

namespace carepath::demo {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Combines a seed with a stream number (e.g. a patient index) into a new seed.
inline uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull);
  SplitMix64(s);
  return SplitMix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (uint64_t& word : s_) word = SplitMix64(s);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. Lemire's multiply-shift (bias < 2^-32 for our n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Uniform() < p; }
  // Approximately normal (Irwin-Hall sum of 12 uniforms), clamped to mean +- 6 sd.
  double Normal(double mean, double sd) {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += Uniform();
    return mean + (sum - 6.0) * sd;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace carepath::demo
