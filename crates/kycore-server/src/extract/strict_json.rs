//! What serde_json lets through that our API does not accept, and the canonical form of a
//! JSON body.
//!
//! serde's derived `Deserialize` fills a struct from a JSON array by position
//! (`["individual"]` is read as `{"type": "individual"}`), and a map takes the last of two
//! equal keys. Neither is what a client means, and neither is what the OpenAPI document
//! promises (objects with named properties), so [`ObjectsOnly`] refuses an array wherever a
//! struct is expected, at any depth, and [`check_duplicate_keys`] refuses an object with a
//! key twice.

use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde_json::Value;

/// A deserializer that refuses a sequence where a struct is expected; everything else is
/// passed to the wrapped deserializer, whose nested values are wrapped the same way.
pub struct ObjectsOnly<D>(pub D);

/// Wraps a visitor so that what it is handed next is wrapped too. `is_struct` marks the
/// visitor of a struct, which must not be fed a sequence.
struct Wrapped<V> {
    visitor: V,
    is_struct: bool,
}

impl<V> Wrapped<V> {
    fn any(visitor: V) -> Self {
        Wrapped {
            visitor,
            is_struct: false,
        }
    }

    fn object(visitor: V) -> Self {
        Wrapped {
            visitor,
            is_struct: true,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* Wrapped::any(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Wrapped::object(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.visitor.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrapped<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(formatter)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(ObjectsOnly(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(ObjectsOnly(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.is_struct {
            return Err(A::Error::invalid_type(
                Unexpected::Other("array"),
                &"an object",
            ));
        }
        self.visitor.visit_seq(Elements(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Variants(data))
    }
}

/// A seed whose deserializer is wrapped.
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly(deserializer))
    }
}

struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct Entries<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct Variants<A>(A);

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Variants<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed(seed))?;
        Ok((value, Variant(variant)))
    }
}

struct Variant<A>(A);

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrapped::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrapped::object(visitor))
    }
}

/// Walks a JSON document and fails on the first object that has a key twice, with serde's
/// own wording (`duplicate field `name``), so the error reads like a struct's.
pub struct DuplicateKeyCheck;

impl<'de> de::Deserialize<'de> for DuplicateKeyCheck {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DuplicateKeyCheck)
    }
}

impl<'de> Visitor<'de> for DuplicateKeyCheck {
    type Value = DuplicateKeyCheck;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self, E> {
        Ok(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<DuplicateKeyCheck>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                // Read no further: the value's path would name the key, the error is the key's.
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            map.next_value::<DuplicateKeyCheck>()?;
        }
        Ok(self)
    }
}

/// The body as one canonical text: objects' keys sorted, no whitespace, strings and numbers
/// as serde_json writes them. `None` unless the body is one JSON value without duplicate
/// keys; two bodies with the same canonical text are the same request to every handler.
pub fn canonical_json(bytes: &[u8]) -> Option<Vec<u8>> {
    serde_json::from_slice::<DuplicateKeyCheck>(bytes).ok()?;
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let mut out = Vec::with_capacity(bytes.len());
    write_canonical(&value, &mut out).ok()?;
    Some(out)
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map's order, which a cargo feature of
            // serde_json (`preserve_order`) turns into insertion order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_canonical(item, out)?;
            }
            out.push(b'}');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: Option<String>,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        count: Option<u32>,
    }

    fn strict(raw: &str) -> Result<Outer, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(raw);
        Outer::deserialize(ObjectsOnly(&mut deserializer))
    }

    #[test]
    fn arrays_are_refused_where_structs_are_expected_at_any_depth() {
        // What serde alone accepts, by position.
        assert!(serde_json::from_str::<Outer>(r#"["a"]"#).is_ok());
        for raw in [
            r#"["a"]"#,
            r#"[]"#,
            r#"{"name": "a", "inner": [1]}"#,
            r#"{"name": "a", "list": [[1]]}"#,
        ] {
            let error = strict(raw).unwrap_err().to_string();
            assert!(
                error.starts_with("invalid type: array, expected an object"),
                "{raw}: {error}"
            );
        }
        assert_eq!(
            strict(r#"{"name": "a", "inner": {"count": 2}, "list": [{"count": 1}]}"#).unwrap(),
            Outer {
                name: Some("a".into()),
                inner: Some(Inner { count: Some(2) }),
                list: vec![Inner { count: Some(1) }],
            }
        );
    }

    #[test]
    fn duplicate_keys_are_found_in_nested_objects() {
        let check = |raw: &str| serde_json::from_str::<DuplicateKeyCheck>(raw).map(|_| ());
        assert!(check(r#"{"a": {"b": 1, "c": [{"b": 2}]}, "b": 3}"#).is_ok());
        let error = check(r#"{"a": [{"b": 1, "b": 2}]}"#).unwrap_err();
        assert!(error.to_string().starts_with("duplicate field `b`"));
    }

    #[test]
    fn canonical_json_ignores_whitespace_and_key_order_only() {
        let a = canonical_json(br#"{"b": [1, {"y": 2, "x": "s"}], "a": null}"#).unwrap();
        let b = canonical_json(b"{\"a\":null,\n \"b\":[1,{\"x\":\"s\",\"y\":2}]}").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, br#"{"a":null,"b":[1,{"x":"s","y":2}]}"#);
        // Values stay as sent: `1` and `1.0` are different requests to a typed handler.
        assert_ne!(canonical_json(b"[1]"), canonical_json(b"[1.0]"));
        assert_eq!(canonical_json(br#"{"a": 1, "a": 1}"#), None);
        assert_eq!(canonical_json(b"{"), None);
    }
}
