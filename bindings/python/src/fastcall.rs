//! A PyO3 method given CPython's vectorcall convention (`METH_FASTCALL |
//! METH_KEYWORDS`) for its common calls.
//!
//! Built for the stable ABI of Python 3.9 (one wheel for 3.9 and later),
//! PyO3 defines every method with `METH_VARARGS | METH_KEYWORDS`: each call
//! then packs its arguments into a new tuple, and its keyword arguments into
//! a new dict, which the method unpacks again. On `Catalog.lookup(code,
//! system=...)` that is about a third of the call's work outside the lookup.
//! `METH_FASTCALL | METH_KEYWORDS` passes them as an array and a tuple of
//! keyword names; every CPython the wheel loads in (3.9 and later) calls
//! it so (CPython 3.7 introduced it, 3.10 added it to the stable ABI, with
//! the same flag value and signature).
//!
//! [`install`] puts such a method in place of the PyO3 one under the same
//! name, text signature and docstring. Its `fast` function takes the shapes
//! of call it knows, and hands every other call (a wrong count, an unknown
//! or repeated keyword, ...) to the PyO3 method kept aside, so what any call
//! returns or raises — messages included — is the PyO3 method's.

use std::ffi::{c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

/// `METH_FASTCALL` (`methodobject.h`; PyO3 declares it only for the stable
/// ABI of 3.10 and later).
const METH_FASTCALL: c_int = 0x0080;

/// A `METH_FASTCALL | METH_KEYWORDS` function, as CPython calls it.
pub type FastFn = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// The arguments of one vectorcall: the positional ones, then the values of
/// the keyword ones, whose names `kwnames` holds in the same order.
pub struct Args<'a, 'py> {
    py: Python<'py>,
    slf: Borrowed<'a, 'py, PyAny>,
    args: &'a [*mut ffi::PyObject],
    nargs: usize,
    kwnames: Option<Bound<'py, PyTuple>>,
}

impl<'a, 'py> Args<'a, 'py> {
    /// The receiver (`self`).
    pub fn receiver(&self) -> &Borrowed<'a, 'py, PyAny> {
        &self.slf
    }

    /// How many positional arguments were given.
    pub fn positional(&self) -> usize {
        self.nargs
    }

    /// The names of the keyword arguments, in order (none: empty).
    pub fn keywords(&self) -> impl Iterator<Item = Borrowed<'_, 'py, PyAny>> + '_ {
        self.kwnames.iter().flat_map(|k| k.iter_borrowed())
    }

    /// Argument `i`: positional ones first, then the keyword ones' values.
    pub fn get(&self, i: usize) -> Option<Borrowed<'a, 'py, PyAny>> {
        let ptr = *self.args.get(i)?;
        // SAFETY: CPython passes live (borrowed) objects for the call's
        // duration, which `'a` stands for.
        Some(unsafe { Borrowed::from_ptr(self.py, ptr) })
    }

    /// The call as a tuple (receiver first) and a dict, for the PyO3 method.
    fn packed(&self) -> PyResult<(Bound<'py, PyTuple>, Option<Bound<'py, PyDict>>)> {
        let mut items = Vec::with_capacity(self.nargs + 1);
        items.push(self.slf.to_owned());
        for i in 0..self.nargs {
            items.extend(self.get(i).map(|a| a.to_owned()));
        }
        let tuple = PyTuple::new(self.py, items)?;
        let dict = match &self.kwnames {
            None => None,
            Some(_) => {
                let d = PyDict::new(self.py);
                for (k, name) in self.keywords().enumerate() {
                    if let Some(v) = self.get(self.nargs + k) {
                        d.set_item(name, v)?;
                    }
                }
                Some(d)
            }
        };
        Ok((tuple, dict))
    }
}

/// Whether keyword name `name` is `expected` (a call site's keyword names
/// are interned strings: compared by identity first).
pub fn is_keyword(name: &Borrowed<'_, '_, PyAny>, expected: &Bound<'_, PyString>) -> bool {
    name.as_ptr() == expected.as_ptr() || name.eq(expected).unwrap_or(false)
}

/// What a fast method's body returns: the result, or `None` for a call it
/// leaves to the PyO3 method.
pub type Outcome<'py> = PyResult<Option<Bound<'py, PyAny>>>;

/// Runs a fast method's `body` for CPython: the panic boundary, the error
/// set as CPython expects, and the calls `body` declines handed to `slow`
/// (the PyO3 method kept by [`install`]).
///
/// # Safety
/// The arguments are those CPython gives a `METH_FASTCALL | METH_KEYWORDS`
/// function: called with the GIL held, `slf` a live object, `args` holding
/// `nargs` positional arguments and then one value per name of `kwnames`
/// (a tuple of `str`, or NULL).
pub unsafe fn call(
    slow: &PyOnceLock<Py<PyAny>>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    body: for<'a, 'py> fn(&Args<'a, 'py>) -> Outcome<'py>,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let run = || -> PyResult<*mut ffi::PyObject> {
        // A plain count: the method descriptor takes off the vectorcall
        // offset flag (and the receiver) before calling.
        let nargs = usize::try_from(nargs).unwrap_or(0);
        // SAFETY: as the caller promises; a NULL `kwnames` is no keywords.
        let kwnames = unsafe { Bound::from_borrowed_ptr_or_opt(py, kwnames) }
            .map(|k| k.cast_into::<PyTuple>())
            .transpose()?;
        let nkw = kwnames.as_ref().map_or(0, |k| k.len());
        let args: &[*mut ffi::PyObject] = if args.is_null() || nargs + nkw == 0 {
            &[]
        } else {
            // SAFETY: `args` holds `nargs + nkw` objects (as promised).
            unsafe { std::slice::from_raw_parts(args, nargs + nkw) }
        };
        let call = Args {
            py,
            // SAFETY: `slf` is live for the call (as promised).
            slf: unsafe { Borrowed::from_ptr(py, slf) },
            args,
            nargs,
            kwnames,
        };
        let out = match body(&call)? {
            Some(out) => out,
            None => {
                let (tuple, dict) = call.packed()?;
                let method = slow.get(py).ok_or_else(|| {
                    pyo3::exceptions::PySystemError::new_err(
                        "procode: a fast method was not set up",
                    )
                })?;
                method.bind(py).call(tuple, dict.as_ref())?
            }
        };
        Ok(out.into_ptr())
    };
    let err = match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(out)) => return out,
        Ok(Err(e)) => e,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic from Rust code".to_owned());
            PanicException::new_err((msg,))
        }
    };
    err.restore(py);
    std::ptr::null_mut()
}

/// Puts a `METH_FASTCALL | METH_KEYWORDS` method running `fast` on `cls`
/// in place of the PyO3 method `name` (same text signature and docstring),
/// which is kept in `slow` for the calls `fast` declines. Once per process
/// (the method definition lives as long as the type): a second call does
/// nothing.
pub fn install(
    cls: &Bound<'_, PyType>,
    name: &'static CStr,
    fast: FastFn,
    slow: &'static PyOnceLock<Py<PyAny>>,
) -> PyResult<()> {
    let py = cls.py();
    if slow.get(py).is_some() {
        // Set up already (the type is made once per process): `cls.name` is
        // the fast method, which must not become its own fallback.
        return Ok(());
    }
    let key = name.to_str().map_err(|e| {
        pyo3::exceptions::PySystemError::new_err(format!("procode: method name: {e}"))
    })?;
    let pyo3_method = cls.getattr(key)?;
    let signature: Option<String> = pyo3_method.getattr("__text_signature__")?.extract()?;
    let doc: Option<String> = pyo3_method.getattr("__doc__")?.extract()?;
    // CPython reads the text signature from the docstring's first line:
    // `name(sig)\n--\n\n`.
    let mut text = String::new();
    if let Some(sig) = signature {
        text = format!("{key}{sig}\n--\n\n");
    }
    text.push_str(doc.as_deref().unwrap_or(""));
    let doc = CString::new(text).map_err(|e| {
        pyo3::exceptions::PySystemError::new_err(format!("procode: method docstring: {e}"))
    })?;
    slow.set(py, pyo3_method.unbind()).map_err(|_| {
        pyo3::exceptions::PySystemError::new_err("procode: a fast method was set up twice")
    })?;
    // SAFETY: CPython calls a `METH_FASTCALL | METH_KEYWORDS` method through
    // this pointer with `FastFn`'s signature (C code casts such functions to
    // `PyCFunction` the same way).
    let meth = unsafe { std::mem::transmute::<FastFn, ffi::PyCFunction>(fast) };
    // The definition and its strings must outlive the type: leaked, once.
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunction: meth },
        ml_flags: METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: doc.into_raw(),
    }));
    // SAFETY: `cls` is a live type and `def` a valid definition living
    // forever; the new reference is owned by the `Bound`.
    let descr = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(cls.as_type_ptr(), def))?
    };
    cls.setattr(key, descr)
}
