//! `ObjectsOnly`: a deserializer adapter under which a struct is read from a JSON object only.
//!
//! serde's derived structs also accept an array of their fields in order (`"payee": ["BIDV", "2110…"]`), a form the
//! API does not document and a client would only send by mistake. Wherever a struct is wanted, the adapter hands the
//! format a visitor that takes a map and refuses a sequence (`invalid type: sequence, expected a JSON object`, the
//! field named by the caller's path), and it passes itself down through every sequence, map, option and enum so that
//! nested structs are held to it too. Structs read through serde's buffering (`flatten`, untagged enums: a report's
//! contact, a transfer's time) are outside it; those enums say what they expect themselves.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use std::fmt;

/// Wraps a deserializer (`ObjectsOnly(&mut serde_json::Deserializer)`).
pub struct ObjectsOnly<D>(pub D);

/// Wraps a visitor, so that what it is given is wrapped in turn.
struct Wrapped<T>(T);

macro_rules! forward_to_inner {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.0.$method(Wrapped(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    forward_to_inner! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrapped(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrapped(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrapped(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Wrapped(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, StructVisitor(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrapped(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visits {
    ($($method:ident($type:ty))*) => {
        $(
            fn $method<E: de::Error>(self, value: $type) -> Result<V::Value, E> {
                self.0.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrapped<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(formatter)
    }

    forward_visits! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64) visit_i128(i128)
        visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64) visit_u128(u128) visit_f32(f32) visit_f64(f64)
        visit_char(char) visit_str(&str) visit_borrowed_str(&'de str) visit_string(String) visit_bytes(&[u8])
        visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(ObjectsOnly(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(ObjectsOnly(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrapped(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrapped(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Wrapped(data))
    }
}

/// A seed whose deserializer is wrapped: how the adapter reaches the elements, keys and values.
struct WrappedSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for WrappedSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly(deserializer))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(WrappedSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(WrappedSeed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(WrappedSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrapped<A> {
    type Error = A::Error;
    type Variant = Wrapped<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0.variant_seed(WrappedSeed(seed)).map(|(value, variant)| (value, Wrapped(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrapped<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(WrappedSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrapped(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, StructVisitor(visitor))
    }
}

/// The point of the adapter: the visitor of a struct (or a struct variant) takes a map, never a sequence.
struct StructVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<V> {
    type Value = V::Value;

    /// Said to the caller: "a JSON object", not the Rust name of the struct.
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrapped(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Party {
        bank: String,
        account: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Phone,
        Wallet { name: String },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        payee: Party,
        #[serde(default)]
        payer: Option<Party>,
        #[serde(default)]
        transfers: Vec<Party>,
        #[serde(default)]
        kinds: Vec<Kind>,
        #[serde(default)]
        notes: BTreeMap<String, Party>,
        #[serde(default)]
        pair: Option<(u8, String)>,
    }

    fn read(text: &str) -> Result<Outer, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Outer::deserialize(ObjectsOnly(&mut de))?;
        de.end()?;
        Ok(value)
    }

    #[test]
    fn objects_are_read_as_before() {
        let outer = read(
            r#"{"payee": {"bank": "BIDV", "account": "1"}, "payer": {"bank": "VCB", "account": "2"},
                "transfers": [{"bank": "MB", "account": "3"}], "kinds": ["phone", {"wallet": {"name": "momo"}}],
                "notes": {"x": {"bank": "ACB", "account": "4"}}, "pair": [1, "a"]}"#,
        )
        .unwrap();
        assert_eq!(outer.payee, Party { bank: "BIDV".into(), account: "1".into() });
        assert_eq!(outer.payer.unwrap().bank, "VCB");
        assert_eq!(outer.transfers[0].account, "3");
        assert_eq!(outer.kinds, vec![Kind::Phone, Kind::Wallet { name: "momo".into() }]);
        assert_eq!(outer.notes["x"].bank, "ACB");
        assert_eq!(outer.pair, Some((1, "a".into())), "a tuple is still an array");
    }

    #[test]
    fn a_struct_given_as_an_array_is_refused_at_any_depth() {
        for text in [
            r#"["BIDV", "1"]"#,
            r#"{"payee": ["BIDV", "1"]}"#,
            r#"{"payee": {"bank": "BIDV", "account": "1"}, "payer": ["VCB", "2"]}"#,
            r#"{"payee": {"bank": "BIDV", "account": "1"}, "transfers": [["MB", "3"]]}"#,
            r#"{"payee": {"bank": "BIDV", "account": "1"}, "notes": {"x": ["ACB", "4"]}}"#,
            r#"{"payee": {"bank": "BIDV", "account": "1"}, "kinds": [{"wallet": ["momo"]}]}"#,
        ] {
            let error = read(text).unwrap_err();
            assert!(error.to_string().starts_with("invalid type: sequence, expected a JSON object"), "{text}: {error}");
        }
        // A wrong type is told in the API's words, not by the Rust name of the struct.
        let error = read(r#"{"payee": 5}"#).unwrap_err().to_string();
        assert!(error.starts_with("invalid type: integer `5`, expected a JSON object"), "{error}");
        // Without the adapter, serde_json reads the first two.
        assert!(serde_json::from_str::<Party>(r#"["BIDV", "1"]"#).is_ok());
    }
}
