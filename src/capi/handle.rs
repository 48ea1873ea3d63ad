//! Handles: boxed Rust values behind opaque C pointers.
//!
//! Two defences turn caller mistakes into `DOCSCREEN_STATUS_INVALID_HANDLE`
//! instead of undefined behaviour:
//!
//! - a registry of live handles (address → kind). It is consulted *before*
//!   a pointer is dereferenced, so a double free, a use after free, a handle
//!   of the wrong type or a pointer to anything else is refused without
//!   touching the memory (valgrind stays quiet even in the tests that do it
//!   on purpose). Its limit: once the allocator reuses a freed handle's
//!   address for a new handle of the same kind, a stale pointer is
//!   indistinguishable from the new handle.
//! - a magic tag at the start of each handle, checked after the registry:
//!   it catches a handle overwritten by a stray write, and marks freed
//!   memory (the tag is cleared before the box is dropped) for anyone
//!   reading a core dump.
//!
//! Owned strings handed to C are registered too, so `docscreen_string_free`
//! ignores pointers it did not hand out (a borrowed string, a double free).

use super::docscreen_status;
use std::collections::BTreeMap;
use std::ffi::{CString, c_char};
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Builder,
    Screener,
    Report,
    String,
}

/// Live handles by [`key`]. A `BTreeMap` because its `new` is `const`; the
/// map holds few entries and each lookup is far cheaper than any call that
/// does work.
static LIVE: Mutex<BTreeMap<usize, Kind>> = Mutex::new(BTreeMap::new());

/// The registry key of a pointer: its address inverted, so that the map
/// holds no pointers. Leak checkers (valgrind, LeakSanitizer) scan memory for
/// pointers; with plain addresses every handle a caller forgot to free would
/// count as still reachable instead of lost.
fn key<T>(p: *const T) -> usize {
    !(p as usize)
}

fn live() -> MutexGuard<'static, BTreeMap<usize, Kind>> {
    // The map is consistent after any panic (single inserts/removes).
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A type that C sees as an opaque handle.
pub(crate) trait Handle: Sized {
    const KIND: Kind;
    /// Eight ASCII bytes, recognisable in a memory dump.
    const MAGIC: u64;
    fn magic(&self) -> u64;
    fn clear_magic(&mut self);
}

/// Boxes `value` and registers the pointer.
pub(crate) fn new_handle<T: Handle>(value: T) -> *mut T {
    let p = Box::into_raw(Box::new(value));
    live().insert(key(p), T::KIND);
    p
}

fn check<T: Handle>(p: *const T) -> Result<(), docscreen_status> {
    if p.is_null() {
        return Err(docscreen_status::NullArgument);
    }
    match live().get(&key(p)) {
        Some(k) if *k == T::KIND => Ok(()),
        _ => Err(docscreen_status::InvalidHandle),
    }
}

/// Borrows a live handle.
///
/// # Safety
/// `p` is NULL or was returned by this library (live or freed); a live
/// handle is not freed by another thread during the borrow.
pub(crate) unsafe fn borrow<'a, T: Handle>(p: *const T) -> Result<&'a T, docscreen_status> {
    check(p)?;
    // SAFETY: registered ⇒ a live `Box<T>` allocation.
    let r = unsafe { &*p };
    if r.magic() != T::MAGIC {
        return Err(docscreen_status::InvalidHandle);
    }
    Ok(r)
}

/// Borrows a live handle mutably.
///
/// # Safety
/// As [`borrow`], and no other reference to the handle exists during the call
/// (builders are used from one thread at a time).
pub(crate) unsafe fn borrow_mut<'a, T: Handle>(p: *mut T) -> Result<&'a mut T, docscreen_status> {
    check(p)?;
    // SAFETY: registered ⇒ a live `Box<T>` allocation; exclusivity is the
    // caller's documented duty.
    let r = unsafe { &mut *p };
    if r.magic() != T::MAGIC {
        return Err(docscreen_status::InvalidHandle);
    }
    Ok(r)
}

/// Unregisters a handle and returns its box; the caller drops it (after
/// [`Handle::clear_magic`], see [`free`]).
///
/// # Safety
/// `p` is NULL or was returned by this library.
pub(crate) unsafe fn take<T: Handle>(p: *mut T) -> Result<Box<T>, docscreen_status> {
    if p.is_null() {
        return Err(docscreen_status::NullArgument);
    }
    {
        let mut map = live();
        match map.get(&key(p)) {
            Some(k) if *k == T::KIND => {}
            _ => return Err(docscreen_status::InvalidHandle),
        }
        // SAFETY: registered ⇒ a live `Box<T>` allocation.
        if unsafe { (*p).magic() } != T::MAGIC {
            return Err(docscreen_status::InvalidHandle);
        }
        map.remove(&key(p));
    }
    // SAFETY: removed from the registry under the lock, so this is the only
    // owner; it came from `Box::into_raw`.
    let mut b = unsafe { Box::from_raw(p) };
    b.clear_magic();
    Ok(b)
}

/// Frees a handle; NULL and unknown pointers are ignored (the `_free`
/// functions return nothing, so there is no one to tell).
///
/// # Safety
/// As [`take`].
pub(crate) unsafe fn free<T: Handle>(p: *mut T) {
    // SAFETY: forwarded.
    if let Ok(b) = unsafe { take(p) } {
        drop(b);
    }
}

/// Hands an owned C string to the caller (freed by `docscreen_string_free`).
pub(crate) fn new_string(s: CString) -> *mut c_char {
    let p = s.into_raw();
    live().insert(key(p), Kind::String);
    p
}

/// Frees a string from [`new_string`]; returns false (and does nothing) for
/// any other pointer.
///
/// # Safety
/// None beyond passing a pointer value: the registry is consulted before use.
pub(crate) unsafe fn free_string(p: *mut c_char) -> bool {
    if p.is_null() {
        return false;
    }
    let known = {
        let mut map = live();
        match map.get(&key(p)) {
            Some(Kind::String) => map.remove(&key(p)).is_some(),
            _ => false,
        }
    };
    if known {
        // SAFETY: it came from `CString::into_raw` and was just unregistered.
        drop(unsafe { CString::from_raw(p) });
    }
    known
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing {
        magic: u64,
    }
    impl Handle for Thing {
        const KIND: Kind = Kind::Builder;
        const MAGIC: u64 = u64::from_le_bytes(*b"testthng");
        fn magic(&self) -> u64 {
            self.magic
        }
        fn clear_magic(&mut self) {
            self.magic = 0;
        }
    }
    struct Other {
        magic: u64,
    }
    impl Handle for Other {
        const KIND: Kind = Kind::Report;
        const MAGIC: u64 = u64::from_le_bytes(*b"testothr");
        fn magic(&self) -> u64 {
            self.magic
        }
        fn clear_magic(&mut self) {
            self.magic = 0;
        }
    }

    #[test]
    fn registry_refuses_freed_and_foreign_pointers() {
        let p = new_handle(Thing { magic: Thing::MAGIC });
        assert!(unsafe { borrow(p) }.is_ok());
        assert_eq!(unsafe { borrow(p.cast::<Other>()) }.err(), Some(docscreen_status::InvalidHandle));
        assert!(unsafe { take(p) }.is_ok());
        assert_eq!(unsafe { take(p) }.err(), Some(docscreen_status::InvalidHandle));
        assert_eq!(unsafe { borrow(p) }.err(), Some(docscreen_status::InvalidHandle));
        assert_eq!(unsafe { borrow::<Thing>(std::ptr::null()) }.err(), Some(docscreen_status::NullArgument));
        let on_stack = 5u64;
        assert_eq!(unsafe { borrow((&on_stack as *const u64).cast::<Thing>()) }.err(), Some(docscreen_status::InvalidHandle));
    }

    #[test]
    fn strings_are_freed_once() {
        let s = new_string(CString::new("x").unwrap());
        assert!(unsafe { free_string(s) });
        assert!(!unsafe { free_string(s) });
        let borrowed = c"static".as_ptr().cast_mut();
        assert!(!unsafe { free_string(borrowed) });
    }
}
