//! Deserializers for PHP `json_encode` habits: numbers as strings, `[]` for empty objects,
//! `null` for empty lists, `0`/`1` for booleans. Unknown shapes of optional values become `None`
//! rather than failing the page.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

/// A required integer id: a number or a numeric string.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    as_i64(&v).ok_or_else(|| de::Error::custom(format!("expected an integer id, got {}", kind(&v))))
}

/// A required string id: a string or a number.
pub(crate) fn string_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(de::Error::custom(format!(
            "expected a string id, got {}",
            kind(&other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional integer: number, numeric string, `null`, `""` or `false`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(as_i64(&Value::deserialize(d)?))
}

/// An optional string: string or number; `null` and other shapes are `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An optional boolean: `true`/`false`, `0`/`1`, `"0"`/`"1"`/`"true"`/`"false"`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim() {
            "1" | "true" | "Y" | "y" => Some(true),
            "0" | "false" | "N" | "n" | "" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// A list that may arrive as `null`, `{}` or be absent: all mean empty. Elements keep their
/// JSON path in decode errors.
pub(crate) fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, null or an empty object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(x) = seq.next_element::<T>()? {
                out.push(x);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            // PHP encodes an empty or id-keyed list as an object: take its values.
            let mut out = Vec::new();
            while let Some((_, v)) = map.next_entry::<de::IgnoredAny, T>()? {
                out.push(v);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// An object that may arrive as `[]` (PHP's empty array) or `null`: both mean the default.
pub(crate) fn obj_or_empty<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned + Default> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object, an empty list or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<T, E> {
            Ok(T::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<T, E> {
            Ok(T::default())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(T::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// One object or a list of them.
pub(crate) fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|v| T::deserialize(v.into_deserializer()).map_err(de::Error::custom))
            .collect(),
        v => T::deserialize(v.into_deserializer())
            .map(|x| vec![x])
            .map_err(de::Error::custom),
    }
}

/// Free-form values of unverified shape (an event's `value_before` / `value_after`), never
/// failing: a list is its elements; an object whose keys are all indexes (PHP's list encoding) is
/// its values; any other object or scalar is one element; `null` is none.
pub(crate) fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        Value::Object(m) if !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut indexed: Vec<(usize, Value)> = m
                .into_iter()
                .map(|(k, v)| (k.parse().unwrap_or(usize::MAX), v))
                .collect();
            indexed.sort_by_key(|(i, _)| *i);
            indexed.into_iter().map(|(_, v)| v).collect()
        }
        Value::Object(m) if m.is_empty() => Vec::new(),
        other => vec![other],
    })
}

/// Free-form parameters: an object, or `[]`/`null` for none.
pub(crate) fn params<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Map<String, Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    struct Inner {
        #[serde(default)]
        a: i64,
    }

    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "id")]
        id: i64,
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "vec_or_null")]
        list: Vec<i64>,
        #[serde(default, deserialize_with = "obj_or_empty")]
        obj: Inner,
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
    }

    #[test]
    fn php_shapes_are_accepted() {
        let t: T = serde_json::from_str(r#"{"id":"42","n":"7","b":1,"list":null,"obj":[],"s":5}"#)
            .unwrap();
        assert_eq!(
            (t.id, t.n, t.b, t.list.len(), t.obj.a),
            (42, Some(7), Some(true), 0, 0)
        );
        assert_eq!(t.s.as_deref(), Some("5"));
        let t: T =
            serde_json::from_str(r#"{"id":1,"n":"","b":"0","list":{},"obj":{"a":3}}"#).unwrap();
        assert_eq!((t.n, t.b, t.obj.a), (None, Some(false), 3));
        let t: T = serde_json::from_str(r#"{"id":1,"list":{"5":1,"6":2}}"#).unwrap();
        assert_eq!(t.list, [1, 2]);
        #[derive(serde::Deserialize, Debug)]
        struct V {
            #[serde(default, deserialize_with = "values")]
            v: Vec<Value>,
        }
        let shapes = |json: &str| serde_json::from_str::<V>(json).unwrap().v;
        assert_eq!(shapes(r#"{"v":[{"a":1},2]}"#).len(), 2);
        assert_eq!(shapes(r#"{"v":{"0":{"a":1},"1":{"b":2}}}"#).len(), 2);
        assert_eq!(
            shapes(r#"{"v":{"talk":{"id":5}}}"#),
            [serde_json::json!({"talk":{"id":5}})]
        );
        assert_eq!(shapes(r#"{"v":"odd"}"#), [Value::String("odd".into())]);
        assert!(shapes(r#"{"v":null}"#).is_empty() && shapes(r#"{"v":{}}"#).is_empty());
        assert!(serde_json::from_str::<T>(r#"{"id":"abc"}"#).is_err());
    }
}
