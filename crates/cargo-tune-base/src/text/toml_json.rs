//! TOML values as JSON, the form they travel in (suggestions, findings' evidence, edit
//! operations), and back. Datetimes become strings; JSON `null` has no TOML form.

use serde_json::Value as Json;
use toml_edit::{Array, InlineTable, Item, TableLike, Value};

/// The JSON form of a TOML item: tables become objects and arrays of tables arrays of objects,
/// so that values compare alike however they are written.
pub fn item_to_json(item: &Item) -> Json {
    match item {
        Item::None => Json::Null,
        Item::Value(v) => value_to_json(v),
        Item::Table(t) => table_to_json(t),
        Item::ArrayOfTables(a) => Json::Array(a.iter().map(|t| table_to_json(t)).collect()),
    }
}

/// The JSON form of a TOML value.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::from(s.value().as_str()),
        Value::Integer(i) => Json::from(*i.value()),
        Value::Float(f) => Json::from(*f.value()),
        Value::Boolean(b) => Json::from(*b.value()),
        Value::Datetime(d) => Json::from(d.value().to_string()),
        Value::Array(a) => Json::Array(a.iter().map(value_to_json).collect()),
        Value::InlineTable(t) => table_to_json(t),
    }
}

fn table_to_json(t: &dyn TableLike) -> Json {
    Json::Object(
        t.iter()
            .map(|(k, v)| (k.to_owned(), item_to_json(v)))
            .collect(),
    )
}

/// A JSON value as a TOML value (objects as inline tables); `None` for `null`, anywhere in it.
pub fn json_to_value(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => return None,
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64()?),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => {
            let mut array = Array::new();
            for item in items {
                array.push(json_to_value(item)?);
            }
            Value::Array(array)
        }
        Json::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                table.insert(k, json_to_value(v)?);
            }
            Value::InlineTable(table)
        }
    })
}

/// A JSON value as TOML text, as `--config KEY=VALUE` takes it (`"line-tables-only"`, `0`,
/// `["-C", "x"]`); `None` for `null` and objects, which have no such form.
pub fn json_to_text(json: &Json) -> Option<String> {
    if matches!(json, Json::Object(_)) {
        return None;
    }
    Some(json_to_value(json)?.to_string().trim().to_owned())
}

/// TOML value text (`"thin"`, `0`, `[1, 2]`) as JSON; `None` when it is not one TOML value.
pub fn text_to_json(text: &str) -> Option<Json> {
    let value: Value = text.trim().parse().ok()?;
    Some(value_to_json(&value))
}

/// A dotted key as TOML writes it, each part quoted only where TOML needs it:
/// `profile.dev.package."*".debug`.
pub fn dotted_key<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            out.push('.');
        }
        if !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            out.push_str(part);
        } else {
            out.push('"');
            out.push_str(&part.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dotted_key_reads_back_as_its_parts() {
        let parts = [
            "profile",
            "dev",
            "package",
            "*",
            "a b",
            "q\"uote\\",
            "build-override",
        ];
        let key = dotted_key(parts);
        assert!(key.starts_with("profile.dev.package.\"*\"."), "{key}");
        // toml_edit reads it back as the same path.
        let doc: toml_edit::DocumentMut = format!("{key} = 1").parse().unwrap();
        let mut item = doc.as_item();
        for part in parts {
            item = &item[part];
        }
        assert_eq!(item.as_integer(), Some(1));
    }

    #[test]
    fn values_travel_both_ways() {
        for j in [
            json!("line-tables-only"),
            json!(0),
            json!(1.5),
            json!(true),
            json!(["-C", "x"]),
            json!({"a": 1}),
        ] {
            let v = json_to_value(&j).unwrap();
            assert_eq!(value_to_json(&v), j);
        }
        assert!(json_to_value(&json!(null)).is_none());
        assert!(json_to_value(&json!([1, null])).is_none());
        assert_eq!(json_to_text(&json!("thin")).unwrap(), "\"thin\"");
        assert_eq!(
            json_to_text(&json!(["-C", "x"])).unwrap(),
            "[\"-C\", \"x\"]"
        );
        assert_eq!(json_to_text(&json!({"a": 1})), None);
        assert_eq!(text_to_json("\"thin\""), Some(json!("thin")));
        assert_eq!(text_to_json("false"), Some(json!(false)));
        assert_eq!(text_to_json("not toml"), None);
        let doc: toml_edit::DocumentMut = "[t]\na = 1\n[[x]]\nb = 2\n".parse().unwrap();
        assert_eq!(
            item_to_json(doc.as_item()),
            json!({"t": {"a": 1}, "x": [{"b": 2}]})
        );
    }
}
