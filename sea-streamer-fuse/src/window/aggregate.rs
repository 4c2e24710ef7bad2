//! What a window computes: an [`Aggregator`] starts an empty value for each window and adds
//! each of the window's inputs to it. [`fold`] makes one from two closures.

use std::marker::PhantomData;

/// The user's aggregate over a window: [`init`](Self::init) makes the value of a new
/// window, [`add`](Self::add) adds one input to it. With sliding windows one input is added
/// to each of its windows, so `add` sees it by reference. The window's message count is
/// kept apart ([`Window::count`](crate::Window::count)), so an average needs only a sum.
///
/// ```
/// use sea_streamer_fuse::Aggregator;
///
/// /// The largest of some numbers.
/// struct Max;
///
/// impl Aggregator for Max {
///     type Input = i64;
///     type Value = Option<i64>;
///
///     fn init(&self) -> Option<i64> {
///         None
///     }
///
///     fn add(&self, value: &mut Option<i64>, input: &i64) {
///         *value = Some(value.map_or(*input, |v| v.max(*input)));
///     }
/// }
///
/// let mut v = Max.init();
/// Max.add(&mut v, &3);
/// Max.add(&mut v, &1);
/// assert_eq!(v, Some(3));
/// ```
pub trait Aggregator {
    /// What is added: the stream's item (a message), or whatever the caller passes.
    type Input: ?Sized;
    /// The value of one window.
    type Value;

    /// The value of a window holding nothing yet.
    fn init(&self) -> Self::Value;

    /// Add `input` to a window's `value`.
    fn add(&self, value: &mut Self::Value, input: &Self::Input);
}

/// An [`Aggregator`] made of two closures, see [`fold`].
pub struct Fold<I: ?Sized, V, FI, FA> {
    init: FI,
    add: FA,
    types: PhantomData<fn(&I) -> V>,
}

/// An [`Aggregator`] from an `init` closure (a new window's value) and an `add` closure
/// (add one input), like `Iterator::fold` but per window.
///
/// ```
/// use sea_streamer_fuse::{fold, Aggregator};
///
/// let sum = fold(|| 0.0, |sum: &mut f64, x: &f64| *sum += x);
/// let mut v = sum.init();
/// sum.add(&mut v, &1.5);
/// sum.add(&mut v, &2.0);
/// assert_eq!(v, 3.5);
/// ```
pub fn fold<I, V, FI, FA>(init: FI, add: FA) -> Fold<I, V, FI, FA>
where
    I: ?Sized,
    FI: Fn() -> V,
    FA: Fn(&mut V, &I),
{
    Fold {
        init,
        add,
        types: PhantomData,
    }
}

impl<I, V, FI, FA> Aggregator for Fold<I, V, FI, FA>
where
    I: ?Sized,
    FI: Fn() -> V,
    FA: Fn(&mut V, &I),
{
    type Input = I;
    type Value = V;

    fn init(&self) -> V {
        (self.init)()
    }

    fn add(&self, value: &mut V, input: &I) {
        (self.add)(value, input)
    }
}

impl<I: ?Sized, V, FI, FA> std::fmt::Debug for Fold<I, V, FI, FA> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fold")
            .field("input", &std::any::type_name::<I>())
            .field("value", &std::any::type_name::<V>())
            .finish()
    }
}
