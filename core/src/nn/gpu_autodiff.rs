//! Dispatch to the autodiff ops of the GPU backends ([`super::gpu_depthwise`],
//! [`super::gpu_norm`]): ops written for `Autodiff<I>` with `I` Burn's wgpu or CUDA backend,
//! called from code generic over the backend.

/// `return $wrap(f::<I>(args..., plain...))` from the enclosing function when the backend
/// `$B` is `Autodiff<I>` for a GPU backend `I` built in (wgpu, CUDA); the tensor arguments
/// (before the `;`) and the result are cast between `$B`'s types and `Autodiff<I>`'s, which
/// are then the same. Otherwise, or with the kernels switched off on this thread
/// ([`super::cpu_kernel::without_kernels`]), nothing happens and the arguments are not moved.
macro_rules! on_gpu_autodiff {
    ($B:ty, $wrap:expr, $f:ident($($arg:expr),*; $($plain:expr),*)) => {
        #[cfg(feature = "wgpu")]
        on_gpu_autodiff!(@one burn::backend::Wgpu, $B, $wrap, $f($($arg),*; $($plain),*));
        #[cfg(feature = "cuda")]
        on_gpu_autodiff!(@one burn::backend::Cuda, $B, $wrap, $f($($arg),*; $($plain),*));
    };
    (@one $I:ty, $B:ty, $wrap:expr, $f:ident($($arg:expr),*; $($plain:expr),*)) => {
        if std::any::TypeId::of::<$B>() == std::any::TypeId::of::<burn_autodiff::Autodiff<$I>>()
            && !$crate::nn::cpu_kernel::switched_off()
        {
            use $crate::nn::cpu_kernel::cast;
            return $wrap(cast($f::<$I>($(cast($arg)),* $(, $plain)*)));
        }
    };
}
