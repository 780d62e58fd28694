//! The CPU loops compiled for the widest vector instructions the processor has.
//!
//! A release build targets the x86-64 baseline (SSE2: four `f32` lanes), because the binary
//! must start on any x86-64 machine. [`vectorized`] runs a loop body through `pulp`'s
//! run-time dispatch instead: on a processor with AVX2 (x86-64-v3, or AVX-512 where a
//! dependency turns that level on) the body is compiled a second time with those
//! instructions enabled and that copy runs. Everything the body inlines (the helpers of
//! [`super::lanes`] and [`super::phases`] are `#[inline(always)]`) gets the wider vectors.
//!
//! The results are the same bits on every path: the loops do the same IEEE operations in
//! the same order, only more of them per instruction. Rust never fuses `a * b + c` into one
//! rounding on its own, so the AVX2 path's fused multiply-add instructions are not used
//! unless a loop asks for them, and none does.

/// Runs `f`, compiled for the best vector instructions detected at run time.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}
