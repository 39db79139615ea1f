//! Setting a request builder's optional values only when the caller gave them.

/// A setter applied only when an optional value is present: the facade's one line per
/// optional parameter (`request.maybe(&options.limit, |r, v| r.limit(v.clone()))`).
pub trait Maybe: Sized {
    /// `set(self, value)` when `value` is `Some`, else `self` unchanged.
    fn maybe<T>(self, value: &Option<T>, set: impl FnOnce(Self, &T) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }
}

impl<B> Maybe for B {}

#[cfg(test)]
mod tests {
    use super::Maybe;

    #[test]
    fn a_present_value_is_set_and_an_absent_one_leaves_the_builder_as_it_was() {
        let set = |list: Vec<u32>, v: &u32| [list, vec![*v]].concat();
        assert_eq!(vec![1].maybe(&Some(2), set), vec![1, 2]);
        assert_eq!(vec![1].maybe(&None, set), vec![1]);
    }
}
