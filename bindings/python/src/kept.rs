//! [`Kept`]: a Python object made on first use and kept by a Rust value
//! (an entry's description strings, a result page's entries).

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

/// A Python object of type `T`, kept once made: a `OnceLock<Py<T>>`
/// without its `Once`. The object is made first and then offered; the
/// first one offered is kept (a racing reader's is dropped), so every
/// reader gets the same object.
pub struct Kept<T>(AtomicPtr<ffi::PyObject>, PhantomData<fn() -> T>);

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(AtomicPtr::new(ptr::null_mut()), PhantomData)
    }
}

impl<T> Kept<T> {
    /// The object kept, if any.
    pub fn get<'py>(&self, py: Python<'py>) -> Option<Bound<'py, T>> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: a pointer set by `offer` is a `T` the slot holds a
        // reference to until it is dropped.
        (!p.is_null()).then(|| unsafe { Bound::from_borrowed_ptr(py, p).cast_into_unchecked() })
    }

    /// Keeps `obj` unless an object is kept already; returns the one kept.
    pub fn offer<'py>(&self, obj: Bound<'py, T>) -> Bound<'py, T> {
        let py = obj.py();
        // The slot's own reference.
        let mine = obj.clone().into_ptr();
        match self
            .0
            .compare_exchange(ptr::null_mut(), mine, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => obj,
            Err(kept) => {
                // SAFETY: `mine` is the reference taken above, given back;
                // `kept` is a `T` the slot holds (as in `get`).
                unsafe {
                    drop(Bound::<PyAny>::from_owned_ptr(py, mine));
                    Bound::from_borrowed_ptr(py, kept).cast_into_unchecked()
                }
            }
        }
    }
}

impl<T> Drop for Kept<T> {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // Only a value Python holds keeps an object (the slots are filled
            // by its methods), and it is dropped when Python frees it: the
            // thread is attached, and `attach` only counts.
            Python::attach(|py| {
                // SAFETY: the slot's reference (see `offer`), given up.
                drop(unsafe { Bound::<PyAny>::from_owned_ptr(py, p) });
            });
        }
    }
}
