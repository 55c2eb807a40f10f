// Payload codecs (common/codec): CBOR, MessagePack, BSON, UBJSON, JSON and Sparkplug B to JSON
// and back, their JSON stand-ins for binary data and non-finite numbers, and what they refuse.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "mq/codec.hpp"

namespace {

using mq::JsonValue;
using mq::PayloadFormat;

constexpr PayloadFormat binary_formats[] = {PayloadFormat::cbor, PayloadFormat::msgpack, PayloadFormat::bson,
                                            PayloadFormat::ubjson};

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values)
    out += static_cast<char>(v);
  return out;
}

// Encodes the JSON text and decodes the bytes again: the JSON the decoder shows.
JsonValue round_trip(PayloadFormat format, std::string_view text, std::string_view topic = "t") {
  const mq::EncodeResult encoded = mq::encode_json_text(format, text);
  REQUIRE_MESSAGE(encoded.bytes, encoded.error);
  const mq::DecodeResult decoded = mq::decode_payload(format, *encoded.bytes, topic, nullptr);
  REQUIRE_MESSAGE(decoded.value, decoded.error);
  return *decoded.value;
}

std::string decode_error(PayloadFormat format, std::string_view payload) {
  const mq::DecodeResult decoded = mq::decode_payload(format, payload, "t", nullptr);
  CHECK_FALSE(decoded.value);
  return decoded.error;
}

// The corpus of the round trips: integers at each type's boundaries, floats, binary, nesting,
// unicode, empty values. As a BSON document at the top.
const char* const corpus = R"({
  "int8": [127, -128, 128, -129], "int16": [32767, -32768, 32768, -32769],
  "int32": [2147483647, -2147483648, 2147483648, -2147483649],
  "int64": [9223372036854775807, -9223372036854775808], "zero": 0, "one": 1,
  "floats": [0.5, -1.25, 3.141592653589793, 1e300, -2.5e-300, 0.1],
  "non_finite": [{"$float": "nan"}, {"$float": "inf"}, {"$float": "-inf"}],
  "binary": {"$binary": "AAEC/w=="}, "empty_binary": {"$binary": ""},
  "nested": [[[[]]], {"a": {"b": [1, {"c": null}]}}],
  "unicode": "é 中文 😀 \u0000 \n", "empty_string": "", "empty_array": [], "empty_object": {},
  "booleans": [true, false], "null": null
})";

}  // namespace

TEST_CASE(
    "every binary format gives back the corpus: boundaries, floats, binary, nesting, unicode, empties") {
  const JsonValue expected = mq::decode_payload(PayloadFormat::json, corpus, "t", nullptr).value.value();
  for (const PayloadFormat format : {PayloadFormat::cbor, PayloadFormat::msgpack, PayloadFormat::bson}) {
    CAPTURE(mq::format_name(format));
    CHECK(round_trip(format, corpus) == expected);
  }
  // UBJSON has no binary strings: bytes go as an array of numbers, and come back as one.
  JsonValue ubjson = round_trip(PayloadFormat::ubjson, corpus);
  CHECK(ubjson["binary"] == JsonValue::parse("[0, 1, 2, 255]"));
  CHECK(ubjson["empty_binary"] == JsonValue::array());
  JsonValue without_binary = expected;
  for (JsonValue* value : {&ubjson, &without_binary}) {
    value->erase("binary");
    value->erase("empty_binary");
  }
  CHECK(ubjson == without_binary);
}

TEST_CASE("uint64's largest survives every format that holds it, BSON refuses it in our words") {
  const char* text = R"({"u": 18446744073709551615})";
  for (const PayloadFormat format : {PayloadFormat::cbor, PayloadFormat::msgpack, PayloadFormat::ubjson})
    CHECK(round_trip(format, text)["u"].get<std::uint64_t>() == UINT64_MAX);
  const mq::EncodeResult bson = mq::encode_json_text(PayloadFormat::bson, text);
  CHECK_FALSE(bson.bytes);
  CHECK(bson.error.find("BSON cannot hold") != std::string::npos);
  CHECK(bson.error.find("json.exception") == std::string::npos);
}

TEST_CASE("a top-level scalar or array round-trips except through BSON, which needs a document") {
  for (const PayloadFormat format : {PayloadFormat::cbor, PayloadFormat::msgpack, PayloadFormat::ubjson}) {
    CHECK(round_trip(format, "[1, \"two\"]") == JsonValue::parse("[1, \"two\"]"));
    CHECK(round_trip(format, "\"text\"") == JsonValue("text"));
    CHECK(round_trip(format, "null") == JsonValue(nullptr));
  }
  CHECK(mq::encode_json_text(PayloadFormat::bson, "[1]").error ==
        "BSON holds an object (a document) at the top, not an array");
}

TEST_CASE("binary data shows as {\"$binary\": base64}, with the MessagePack extension type as $subtype") {
  // MessagePack fixext 1, type 5, data 0x2A
  const auto ext = mq::decode_payload(PayloadFormat::msgpack, bytes({0xD4, 0x05, 0x2A}), "t", nullptr);
  REQUIRE(ext.value);
  CHECK(*ext.value == JsonValue::parse(R"({"$binary": "Kg==", "$subtype": 5})"));
  CHECK(round_trip(PayloadFormat::msgpack, R"({"$binary": "Kg==", "$subtype": 5})") == *ext.value);
  // CBOR byte string h'0102'
  CHECK(*mq::decode_payload(PayloadFormat::cbor, bytes({0x42, 0x01, 0x02}), "t", nullptr).value ==
        JsonValue::parse(R"({"$binary": "AQI="})"));
}

TEST_CASE("a text string that is not UTF-8 shows as its bytes rather than as invalid JSON") {
  // CBOR text string of one byte 0xFF
  CHECK(*mq::decode_payload(PayloadFormat::cbor, bytes({0x61, 0xFF}), "t", nullptr).value ==
        JsonValue::parse(R"({"$binary": "/w=="})"));
}

TEST_CASE("CBOR tags are skipped: a tagged date or bignum shows as its value") {
  const auto decoded = [](const std::string& payload) {
    const mq::DecodeResult result = mq::decode_payload(PayloadFormat::cbor, payload, "t", nullptr);
    REQUIRE_MESSAGE(result.value, result.error);
    return *result.value;
  };
  // tag 1 (epoch time) 1363896240, as RFC 8949's example
  CHECK(decoded(bytes({0xC1, 0x1A, 0x51, 0x4B, 0x67, 0xB0})) == JsonValue(1363896240));
  // tag 0 (date text) inside an array, and tag 2 (bignum 2^64) with its bytes
  CHECK(decoded(bytes({0x82, 0xC0, 0x61, 'd', 0xC2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0})) ==
        JsonValue::parse(R"(["d", {"$binary": "AQAAAAAAAAAA"}])"));
  // tag 32 (URI), two-byte head
  CHECK(decoded(bytes({0xD8, 0x20, 0x61, 'u'})) == JsonValue("u"));
}

TEST_CASE("stand-in objects that are malformed are refused when encoding, in our words") {
  CHECK(mq::encode_json_text(PayloadFormat::cbor, R"({"$binary": "not base64!"})").error ==
        "not usable JSON: \"$binary\": \"not base64!\" is not base64");
  CHECK(mq::encode_json_text(PayloadFormat::cbor, R"({"$float": "NaN"})").error ==
        "not usable JSON: a \"$float\" object holds one of \"nan\", \"inf\" and \"-inf\"");
  CHECK(mq::encode_json_text(PayloadFormat::cbor, R"({"$binary": "AA==", "x": 1})").error.find("$binary") !=
        std::string::npos);
}

TEST_CASE("invalid JSON to encode is named in our words, with the column") {
  const std::string error = mq::encode_json_text(PayloadFormat::cbor, "{\"a\": tru}").error;
  CHECK(error.starts_with("not valid JSON: at column "));
  CHECK(error.find("json.exception") == std::string::npos);
  CHECK(mq::encode_json_text(PayloadFormat::cbor, "   ").error ==
        "not valid JSON: there is no value, only blanks or nothing");
}

TEST_CASE("an empty payload is an error for every decoder but Sparkplug B's, never a crash") {
  for (const PayloadFormat format : binary_formats)
    CHECK(decode_error(format, "").find("empty") != std::string::npos);
  // A protobuf message without fields has no bytes: the encoder's {} and the decoder's agree.
  CHECK(*mq::decode_payload(PayloadFormat::sparkplug, "", "t", nullptr).value ==
        JsonValue::parse(R"({"metrics": []})"));
  CHECK(mq::encode_json_text(PayloadFormat::sparkplug, "{}").bytes == "");
  CHECK(decode_error(PayloadFormat::json, "").starts_with("not valid JSON"));
}

TEST_CASE("a truncated payload says it ends in the middle of a value, without nlohmann's words") {
  for (const PayloadFormat format : binary_formats) {
    CAPTURE(mq::format_name(format));
    const std::string whole =
        *mq::encode_json_text(format, R"({"key": "a long enough value", "n": [1, 2, 3]})").bytes;
    const std::string error = decode_error(format, whole.substr(0, whole.size() - 3));
    CHECK(error.starts_with("not valid "));
    CHECK(error.find("json.exception") == std::string::npos);
    CHECK(error.find("parse error") == std::string::npos);
  }
  CHECK(decode_error(PayloadFormat::cbor, bytes({0x82, 0x01})) ==
        "not valid CBOR: it ends after 2 bytes, in the middle of a value");
}

TEST_CASE("bytes after the value and bytes that start no value are refused") {
  CHECK(decode_error(PayloadFormat::cbor, bytes({0x01, 0x02})) ==
        "not valid CBOR: more bytes follow the end of its value");
  CHECK(decode_error(PayloadFormat::cbor, bytes({0x1C})).starts_with("not valid CBOR: at byte 1"));
  CHECK(decode_error(PayloadFormat::msgpack, bytes({0xC1})).starts_with("not valid MessagePack: at byte 1"));
  CHECK(decode_error(PayloadFormat::json, "{\"a\":}").starts_with("not valid JSON: at column 6"));
}

TEST_CASE("nesting deeper than the limit is refused by every decoder before it can exhaust the stack") {
  const std::size_t deep = 200000;
  CHECK(decode_error(PayloadFormat::cbor, std::string(deep, '\x81') + '\x01').find("deeper than 256") !=
        std::string::npos);
  CHECK(decode_error(PayloadFormat::cbor, std::string(deep, '\xC0') + '\x01').find("deeper than 256") !=
        std::string::npos);  // a run of tags
  CHECK(decode_error(PayloadFormat::msgpack, std::string(deep, '\x91') + '\x01').find("deeper than 256") !=
        std::string::npos);
  CHECK(decode_error(PayloadFormat::ubjson, std::string(deep, '[')).find("deeper than 256") !=
        std::string::npos);
  CHECK(decode_error(PayloadFormat::json, std::string(deep, '[')).find("deeper than 256") !=
        std::string::npos);
  CHECK(mq::encode_json_text(PayloadFormat::cbor, std::string(deep, '[')).error.find("deeper than 256") !=
        std::string::npos);
  // Exactly at the limit still decodes.
  CHECK(mq::decode_payload(PayloadFormat::cbor, std::string(255, '\x81') + '\x01', "t", nullptr).value);
}

TEST_CASE("a CBOR integer below int64's range is refused rather than wrapped around") {
  // -1 - 2^63 and -2^64: major type 1 with arguments 2^63 and 2^64 - 1
  CHECK(decode_error(PayloadFormat::cbor, bytes({0x3B, 0x80, 0, 0, 0, 0, 0, 0, 0}))
            .find("below -9223372036854775808") != std::string::npos);
  CHECK(decode_error(PayloadFormat::cbor, bytes({0x81, 0x3B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}))
            .find("below") != std::string::npos);
  // -2^63 itself is fine
  CHECK(*mq::decode_payload(PayloadFormat::cbor,
                            bytes({0x3B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), "t", nullptr)
             .value == JsonValue(INT64_MIN));
}

TEST_CASE("a UBJSON container declaring billions of nulls in a few bytes is refused, not filled") {
  // [ $ Z # L <2^62>: an array of 2^62 nulls
  const std::string payload = bytes({'[', '$', 'Z', '#', 'L', 0x40, 0, 0, 0, 0, 0, 0, 0});
  CHECK(decode_error(PayloadFormat::ubjson, payload).find("more values than its bytes can hold") !=
        std::string::npos);
}

TEST_CASE("auto takes the content type first, then spBv1.0/ topics, never the bytes") {
  using mq::auto_format;
  CHECK(auto_format("application/cbor", "a") == PayloadFormat::cbor);
  CHECK(auto_format("Application/MsgPack; charset=binary", "a") == PayloadFormat::msgpack);
  CHECK(auto_format("application/x-msgpack", "a") == PayloadFormat::msgpack);
  CHECK(auto_format("application/json", "spBv1.0/g/NDATA/e") == PayloadFormat::json);
  CHECK(auto_format("application/senml+json", "a") == PayloadFormat::json);
  CHECK(auto_format("text/plain", "spBv1.0/g/NDATA/e") == PayloadFormat::sparkplug);
  CHECK(auto_format(std::nullopt, "spBv1.0/g/DBIRTH/e/d") == PayloadFormat::sparkplug);
  CHECK(auto_format(std::nullopt, "spBv1.0/STATE/host") == PayloadFormat::json);
  CHECK_FALSE(auto_format(std::nullopt, "sensors/1"));
  CHECK_FALSE(auto_format("text/plain", "sensors/1"));
  CHECK_FALSE(auto_format(std::nullopt, "spBv1.0"));
}

// --- Sparkplug B ---

TEST_CASE("Sparkplug arrays decode as the specification's examples say (6.4.17)") {
  // A hand-made payload: metric {name "a", datatype Int8Array (22), bytes_value E9 7B}. (The
  // specification's example has EF for -23, a slip: EF is -17.)
  const std::string metric = bytes({0x0A, 0x01, 'a', 0x20, 22, 0x82, 0x01, 0x02, 0xE9, 0x7B});
  const std::string payload = bytes({0x12, static_cast<int>(metric.size())}) + metric;
  const auto decoded = mq::decode_payload(PayloadFormat::sparkplug, payload, "t", nullptr);
  REQUIRE_MESSAGE(decoded.value, decoded.error);
  CHECK((*decoded.value)["metrics"][0] ==
        JsonValue::parse(R"({"name": "a", "datatype": "Int8Array", "value": [-23, 123]})"));

  // The other examples, through our encoder: the bytes_value is the specification's.
  const auto bytes_value = [](const char* type, const char* values) {
    const std::string json =
        std::string{R"({"metrics": [{"datatype": ")"} + type + R"(", "value": )" + values + "}]}";
    const mq::EncodeResult encoded = mq::encode_json_text(PayloadFormat::sparkplug, json);
    REQUIRE_MESSAGE(encoded.bytes, encoded.error);
    const std::string& all = *encoded.bytes;
    // metrics(2) len, datatype(4) n, bytes_value(16): 0x82 0x01 len, bytes
    const std::size_t at = all.find(std::string{"\x82\x01", 2});
    REQUIRE(at != std::string::npos);
    CHECK(round_trip(PayloadFormat::sparkplug, json)["metrics"][0]["value"] == JsonValue::parse(values));
    return all.substr(at + 3, static_cast<unsigned char>(all[at + 2]));
  };
  CHECK(bytes_value("Int16Array", "[-30000, 30000]") == bytes({0xD0, 0x8A, 0x30, 0x75}));
  CHECK(bytes_value("Int32Array", "[-1, 315338746]") ==
        bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFA, 0xAF, 0xCB, 0x12}));
  CHECK(bytes_value("Int64Array", "[-4270929666821191986, -3601064768563266876]") ==
        bytes({0xCE, 0x06, 0x72, 0xAC, 0x18, 0x9C, 0xBA, 0xC4, 0xC4, 0xBA, 0x9C, 0x18, 0xAC, 0x72, 0x06,
               0xCE}));
  CHECK(bytes_value("UInt8Array", "[23, 250]") == bytes({0x17, 0xFA}));
  CHECK(bytes_value("UInt16Array", "[30, 52360]") == bytes({0x1E, 0x00, 0x88, 0xCC}));
  CHECK(bytes_value("UInt32Array", "[52, 3293969225]") ==
        bytes({0x34, 0x00, 0x00, 0x00, 0x49, 0xFB, 0x55, 0xC4}));
  CHECK(bytes_value("UInt64Array", "[52, 16444743074749521625]") ==
        bytes({0x34, 0, 0, 0, 0, 0, 0, 0, 0xD9, 0x9E, 0x02, 0xD1, 0xB2, 0x76, 0x37, 0xE4}));
  CHECK(bytes_value("BooleanArray",
                    "[false, false, true, true, false, true, false, false, true, true, false, true]") ==
        bytes({0x0C, 0x00, 0x00, 0x00, 0x34, 0xD0}));
  CHECK(bytes_value("StringArray", R"(["ABC", "hello"])") ==
        bytes({0x41, 0x42, 0x43, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00}));
  CHECK(bytes_value("DoubleArray", "[12.354213, 1022.9123213]").size() == 16);
  CHECK(bytes_value("FloatArray", "[1.5, -2.25]").size() == 8);
  CHECK(bytes_value("DateTimeArray", "[1256102875335, 1656107875000]").size() == 16);
}

TEST_CASE(
    "Sparkplug: every scalar datatype, by name, with its sign, DataSet, Template, PropertySet, metadata") {
  const char* text = R"({"timestamp": 1700000000000, "metrics": [
    {"name": "i8", "alias": 1, "timestamp": 5, "datatype": "Int8", "value": -128},
    {"name": "i16", "datatype": "Int16", "value": -32768}, {"name": "i32", "datatype": "Int32", "value": -2147483648},
    {"name": "i64", "datatype": "Int64", "value": -9223372036854775808},
    {"name": "u8", "datatype": "UInt8", "value": 255}, {"name": "u16", "datatype": "UInt16", "value": 65535},
    {"name": "u32", "datatype": "UInt32", "value": 4294967295},
    {"name": "u64", "datatype": "UInt64", "value": 18446744073709551615},
    {"name": "f", "datatype": "Float", "value": 1.5}, {"name": "nan", "datatype": "Double", "value": {"$float": "nan"}},
    {"name": "b", "datatype": "Boolean", "value": true}, {"name": "s", "datatype": "String", "value": "é"},
    {"name": "dt", "datatype": "DateTime", "value": 1700000000000}, {"name": "t", "datatype": "Text", "value": ""},
    {"name": "u", "datatype": "UUID", "value": "3b6c"}, {"name": "by", "datatype": "Bytes", "value": {"$binary": "AAE="}},
    {"name": "file", "datatype": "File", "value": {"$binary": ""}, "metadata": {"file_name": "a.bin", "size": 0, "md5": "x"}},
    {"name": "null", "datatype": "Int32", "is_null": true, "is_historical": false, "is_transient": true},
    {"name": "ds", "datatype": "DataSet", "value": {"num_of_columns": 2, "columns": ["a", "b"],
      "types": ["Int8", "String"], "rows": [[-1, "x"], [null, "y"]]}},
    {"name": "tpl", "datatype": "Template", "value": {"version": "v1", "template_ref": "T", "is_definition": false,
      "parameters": [{"name": "p", "type": "Int16", "value": -2}],
      "metrics": [{"name": "m", "datatype": "Template", "value": {"is_definition": true, "metrics": []}}]}},
    {"name": "props", "datatype": "Int32", "value": 0, "properties": {
      "Quality": {"type": "Int32", "value": 192}, "n": {"type": "String", "is_null": true},
      "set": {"type": "PropertySet", "value": {"x": {"type": "Double", "value": 2.5}}},
      "list": {"type": "PropertySetList", "value": [{"y": {"type": "Boolean", "value": false}}, {}]}}},
    {"name": "unknown type", "datatype": 99}
  ], "seq": 255, "uuid": "schema-1", "body": {"$binary": "3q2+7w=="}})";
  // Compared without regard to the order of keys: the decoder writes them in the schema's order.
  const auto unordered = [](const JsonValue& value) { return nlohmann::json::parse(value.dump()); };
  CHECK(unordered(round_trip(PayloadFormat::sparkplug, text)) ==
        unordered(mq::decode_payload(PayloadFormat::json, text, "t", nullptr).value.value()));
}

TEST_CASE(
    "Sparkplug aliases: learnt from NBIRTH and DBIRTH of the same edge node, forgotten at the next NBIRTH") {
  mq::SparkplugAliases aliases;
  const auto decode = [&](const char* topic, const char* json) {
    const std::string payload = *mq::encode_json_text(PayloadFormat::sparkplug, json).bytes;
    return mq::decode_payload(PayloadFormat::sparkplug, payload, topic, &aliases).value.value();
  };
  decode("spBv1.0/G/NBIRTH/E",
         R"({"metrics": [{"name": "Temp", "alias": 1, "datatype": "Double", "value": 1.5}]})");
  decode("spBv1.0/G/DBIRTH/E/D",
         R"({"metrics": [{"name": "D/Level", "alias": 2, "datatype": "Int32", "value": 3}]})");
  const JsonValue data =
      decode("spBv1.0/G/DDATA/E/D", R"({"metrics": [{"alias": 2, "datatype": "Int32", "value": 4},
      {"alias": 1, "datatype": "Double", "value": 2.5}, {"alias": 9, "datatype": "Int32", "value": 0}]})");
  CHECK(data["metrics"][0] == JsonValue::parse(R"({"name": "D/Level", "alias": 2, "name_from_birth": true,
      "datatype": "Int32", "value": 4})"));
  CHECK(data["metrics"][1]["name"] == "Temp");
  CHECK_FALSE(data["metrics"][2].contains("name"));  // no birth named alias 9
  // Another edge node's aliases are its own.
  CHECK_FALSE(decode("spBv1.0/G/NDATA/Other",
                     R"({"metrics": [{"alias": 1, "datatype": "Double", "value": 0}]})")["metrics"][0]
                  .contains("name"));
  // A new NBIRTH starts over.
  decode("spBv1.0/G/NBIRTH/E",
         R"({"metrics": [{"name": "Pressure", "alias": 3, "datatype": "Double", "value": 1}]})");
  CHECK_FALSE(decode("spBv1.0/G/NDATA/E",
                     R"({"metrics": [{"alias": 1, "datatype": "Double", "value": 0}]})")["metrics"][0]
                  .contains("name"));
  // What the decoder added is not sent again: the re-encoded DATA has no name.
  const JsonValue replayed = round_trip(PayloadFormat::sparkplug, data.dump());
  CHECK_FALSE(replayed["metrics"][0].contains("name"));
}

TEST_CASE("Sparkplug: a name that is not UTF-8 stays its bytes' stand-in where an alias repeats it") {
  // An NBIRTH of two Double metrics with alias 1: the first named by the byte 0xC2 (no UTF-8 text,
  // which the schema's string does not check), the second by the alias alone.
  const std::string birth{"\x12\x10"
                          "\x0a\x01\xc2\x10\x01\x20\x0a\x69\x00\x00\x00\x00\x00\x00\xf0\x3f"
                          "\x12\x0d"
                          "\x10\x01\x20\x0a\x69\x00\x00\x00\x00\x00\x00\x00\x40",
                          33};
  mq::SparkplugAliases aliases;
  const JsonValue decoded =
      mq::decode_payload(PayloadFormat::sparkplug, birth, "spBv1.0/G/NBIRTH/E", &aliases).value.value();
  INFO(decoded.dump());
  REQUIRE(decoded["metrics"].size() == 2);
  const JsonValue stand_in = JsonValue::parse(R"({"$binary": "wg=="})");
  CHECK(decoded["metrics"][0]["name"] == stand_in);
  CHECK(decoded["metrics"][1]["name"] == stand_in);  // was the raw byte 0xC2: not JSON text
  CHECK(decoded["metrics"][1]["name_from_birth"] == true);
}

TEST_CASE("Sparkplug: a truncated payload, garbage and bad arrays are refused in our words") {
  const std::string whole =
      *mq::encode_json_text(PayloadFormat::sparkplug,
                            R"({"timestamp": 1, "metrics": [{"name": "a long metric name",
                                                  "datatype": "String", "value": "text"}], "seq": 1})")
           .bytes;
  CHECK(decode_error(PayloadFormat::sparkplug, whole.substr(0, whole.size() - 4))
            .starts_with("not valid Sparkplug B: its "));
  CHECK(decode_error(PayloadFormat::sparkplug, "hello world").starts_with("not valid Sparkplug B"));
  // Int32Array with 3 bytes
  const std::string metric = bytes({0x20, 24, 0x82, 0x01, 0x03, 1, 2, 3});
  CHECK(decode_error(PayloadFormat::sparkplug, bytes({0x12, static_cast<int>(metric.size())}) + metric) ==
        "not valid Sparkplug B: metric 1: 3 bytes are not a whole number of 4-byte Int32Array elements");
}

TEST_CASE("Sparkplug encoding refuses what the schema cannot hold, naming the metric") {
  const auto error = [](const char* json) {
    return mq::encode_json_text(PayloadFormat::sparkplug, json).error;
  };
  CHECK(error(R"({"metrics": [{"name": "x", "datatype": "Int8", "value": 300}]})") ==
        "not a Sparkplug B payload: metric 'x': Int8 needs a whole number from -128 to 127, not 300");
  CHECK(error(R"({"metrics": [{"name": "x", "datatype": "Int32x", "value": 1}]})")
            .find("not a Sparkplug B datatype") != std::string::npos);
  CHECK(error(R"({"metrics": [{"name": "x", "value": 1}]})").find("needs its \"datatype\"") !=
        std::string::npos);
  CHECK(error(R"({"metric": []})").find("unknown field \"metric\"") != std::string::npos);
  CHECK(error("[1]").find("is a JSON object") != std::string::npos);
}

TEST_CASE("format names and content types") {
  CHECK(mq::format_name(PayloadFormat::msgpack) == "msgpack");
  CHECK(mq::content_type_of(PayloadFormat::cbor) == "application/cbor");
  CHECK(mq::format_of_content_type(mq::content_type_of(PayloadFormat::sparkplug)) ==
        PayloadFormat::sparkplug);
}

TEST_CASE("PayloadDecoder: auto picks per message, empty payloads are skipped, failures are counted") {
  mq::PayloadDecoder decoder{mq::DecodeChoice{}};
  std::string why;
  CHECK(decoder.choice_name() == "auto");
  const JsonValue* value = decoder.decode(bytes({0x81, 0x01}), "application/cbor", "a", why);
  REQUIRE(value != nullptr);
  CHECK(*value == JsonValue::parse("[1]"));
  CHECK(decoder.format() == PayloadFormat::cbor);
  CHECK(decoder.decode(bytes({0x81, 0x01}), std::nullopt, "a", why) == nullptr);  // nothing says CBOR
  CHECK(decoder.decode("", "application/cbor", "a", why) == nullptr);
  CHECK(why.empty());
  CHECK(decoder.undecodable() == 0);
  CHECK(decoder.decode("{", std::nullopt, "spBv1.0/STATE/host", why) == nullptr);
  CHECK(why.starts_with("not valid JSON"));
  CHECK(decoder.undecodable() == 1);
  mq::PayloadDecoder cbor{mq::DecodeChoice{PayloadFormat::cbor}};
  CHECK(cbor.choice_name() == "cbor");
  CHECK(cbor.decode(bytes({0x01}), "application/json", "a", why) != nullptr);  // the choice wins
}
