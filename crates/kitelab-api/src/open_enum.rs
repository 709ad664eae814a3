//! Open enums: what the generator swaps in for every string enum of the specs.
//!
//! Progenitor's enums are closed, so one value the services add later would fail a whole response.
//! `cargo xtask generate` replaces each enum schema with an `open_enum!` invocation, which yields a
//! `#[non_exhaustive]` enum with one variant per known value plus `Unrecognized(String)`, which
//! keeps any other value as sent and serializes it back unchanged.

/// Defines an open enum. Used by the generated code; not part of the public API.
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept as the service sent it.
            Unrecognized(::std::string::String),
        }

        impl $name {
            /// Every value this version of the crate knows, in the spec's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// The value as the service spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unrecognized(other) => other.as_str(),
                }
            }

            /// Whether this is one of the [`KNOWN`](Self::KNOWN) values.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unrecognized(_))
            }

            fn known(value: &str) -> ::std::option::Option<Self> {
                match value {
                    $( $value => ::std::option::Option::Some(Self::$variant), )*
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(::std::convert::From::from(value))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| Self::Unrecognized(value.to_owned()))
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::known(&value).unwrap_or(Self::Unrecognized(value))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<$name, E> {
                        ::std::result::Result::Ok($name::from(value))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, value: ::std::string::String) -> ::std::result::Result<$name, E> {
                        ::std::result::Result::Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                ::std::string::String::from(stringify!($name))
            }
            fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                let known: ::std::vec::Vec<::serde_json::Value> =
                    vec![$( ::serde_json::Value::from($value), )*];
                ::schemars::schema::SchemaObject {
                    instance_type: ::std::option::Option::Some(::schemars::schema::InstanceType::String.into()),
                    metadata: ::std::option::Option::Some(::std::boxed::Box::new(::schemars::schema::Metadata {
                        description: ::std::option::Option::Some(
                            "One of the known values listed in `examples`, or any other string the service adds later.".into(),
                        ),
                        examples: known,
                        ..::std::default::Default::default()
                    })),
                    ..::std::default::Default::default()
                }
                .into()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! {
        /// Test enum.
        pub enum Colour {
            /// `not_run`
            NotRun => "not_run",
            /// `red`
            Red => "red",
        }
    }

    #[test]
    fn known_values_round_trip() {
        let c: Colour = serde_json::from_str("\"not_run\"").unwrap();
        assert_eq!(c, Colour::NotRun);
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"not_run\"");
        assert!(c.is_known());
        assert_eq!(Colour::KNOWN, &[Colour::NotRun, Colour::Red]);
    }

    #[test]
    fn unknown_values_keep_their_text() {
        let c: Colour = serde_json::from_str("\"ultraviolet\"").unwrap();
        assert_eq!(c, Colour::Unrecognized("ultraviolet".into()));
        assert_eq!(c.to_string(), "ultraviolet");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"ultraviolet\"");
        assert!(!c.is_known());
        assert_eq!("red".parse::<Colour>().unwrap(), Colour::Red);
    }

    #[test]
    fn non_strings_are_rejected() {
        let err = serde_json::from_str::<Colour>("3").unwrap_err().to_string();
        assert!(err.contains("a string (Colour)"), "{err}");
    }
}
