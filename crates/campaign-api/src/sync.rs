//! Locking that carries on through poisoning.
//!
//! A panic in one load user or one suite step must not stop the cleanup, counting or token
//! caching that runs after it. Every value guarded this way is valid at any point (a list, a
//! counter map, a cached token), so a poisoned lock's data is safe to use.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks `m`, taking the data of a poisoned lock as it is.
///
/// ```
/// use std::sync::Mutex;
/// let m = Mutex::new(vec![1]);
/// campaign_api::lock_unpoisoned(&m).push(2);
/// assert_eq!(*campaign_api::lock_unpoisoned(&m), [1, 2]);
/// ```
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads `l`, taking the data of a poisoned lock as it is (see [`lock_unpoisoned`](crate::lock_unpoisoned)).
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes `l`, taking the data of a poisoned lock as it is (see [`lock_unpoisoned`](crate::lock_unpoisoned)).
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}
