//! Strict JSON reading for tables and transactions.
//!
//! Stage: the evaluator's input edge. RFC 8259 leaves the meaning of an
//! object with a repeated member name open, and parsers disagree (first
//! wins, last wins, error): two engines could decide the same bytes
//! differently. Edict therefore refuses such objects wherever it reads a
//! table or a transaction; every consumer is told to do the same
//! (`compiler/docs/consumer-spec.md`).

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses JSON, refusing an object that names a member twice (at any
/// depth) and anything after the value but white space.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A JSON value whose objects have distinct member names.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "the member `{}` is given twice",
                    key.escape_debug()
                )));
            }
            let value = map.next_value_seed(Strict)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;

    #[test]
    fn refuses_repeated_members_at_any_depth() {
        let top = parse_strict(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap_err();
        assert!(top.to_string().contains("`a` is given twice"), "{top}");
        let deep = parse_strict(br#"{"x": [{"k": 1, "k": 1}]}"#).unwrap_err();
        assert!(deep.to_string().contains("`k` is given twice"), "{deep}");
    }

    #[test]
    fn reads_what_serde_json_reads_otherwise() {
        for text in [
            r#"{"a": [1, -2, 3.5, true, null, "s\u0000"], "b": {"c": {}}}"#,
            "[]",
            "  42 ",
            r#"{"a": 1, "A": 2}"#,
        ] {
            let strict = parse_strict(text.as_bytes()).unwrap();
            let plain: Value = serde_json::from_str(text).unwrap();
            assert_eq!(strict, plain, "{text}");
        }
        assert!(parse_strict(b"{} {}").is_err());
        assert!(parse_strict(b"1e309").is_err());
    }
}
