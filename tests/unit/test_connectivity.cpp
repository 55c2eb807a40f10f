#include <doctest/doctest.h>
#include <mqtt_protocol.h>

#include "mq/connectivity.hpp"
#include "mq/properties.hpp"
#include "mq/trace.hpp"

using namespace mq;

namespace {

Properties connack_properties() {
  Properties properties;
  properties.add_byte(MQTT_PROP_MAXIMUM_QOS, 1);
  properties.add_byte(MQTT_PROP_RETAIN_AVAILABLE, 0);
  properties.add_int32(MQTT_PROP_MAXIMUM_PACKET_SIZE, 4096);
  properties.add_int16(MQTT_PROP_TOPIC_ALIAS_MAXIMUM, 10);
  properties.add_string(MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER, "auto-1");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "region", "eu");
  return properties;
}

}  // namespace

TEST_CASE("a CONNACK's properties become capabilities, with MQTT's defaults for the rest") {
  const BrokerCapabilities capabilities = read_capabilities(connack_properties().get());
  CHECK(capabilities.maximum_qos == 1);
  CHECK_FALSE(capabilities.retain_available);
  CHECK(capabilities.wildcard_subscriptions);
  CHECK(capabilities.maximum_packet_size == 4096u);
  CHECK(capabilities.topic_alias_maximum == 10);
  CHECK(capabilities.receive_maximum == 65535);
  CHECK_FALSE(capabilities.server_keep_alive.has_value());
  CHECK(capabilities.assigned_client_id == "auto-1");
  CHECK(capabilities.user_properties == std::vector<std::pair<std::string, std::string>>{{"region", "eu"}});
  CHECK(capabilities.was_stated("maximum-qos"));
  CHECK_FALSE(capabilities.was_stated("wildcard-subscription-available"));
}

TEST_CASE("every capability a CONNACK can state is read, and a property it cannot state is only named") {
  Properties properties;
  properties.add_byte(MQTT_PROP_WILDCARD_SUB_AVAILABLE, 0);
  properties.add_byte(MQTT_PROP_SHARED_SUB_AVAILABLE, 0);
  properties.add_byte(MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE, 0);
  properties.add_int16(MQTT_PROP_RECEIVE_MAXIMUM, 20);
  properties.add_int16(MQTT_PROP_SERVER_KEEP_ALIVE, 30);
  properties.add_int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL, 3600);
  properties.add_string(MQTT_PROP_RESPONSE_INFORMATION, "replies/");
  properties.add_string(MQTT_PROP_SERVER_REFERENCE, "other:1883");
  properties.add_string(MQTT_PROP_REASON_STRING, "welcome");
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "text/plain");
  const BrokerCapabilities capabilities = read_capabilities(properties.get());
  CHECK_FALSE(capabilities.wildcard_subscriptions);
  CHECK_FALSE(capabilities.shared_subscriptions);
  CHECK_FALSE(capabilities.subscription_identifiers);
  CHECK(capabilities.receive_maximum == 20);
  CHECK(capabilities.server_keep_alive == 30);
  CHECK(capabilities.session_expiry_interval == 3600u);
  CHECK(capabilities.response_information == "replies/");
  CHECK(capabilities.server_reference == "other:1883");
  CHECK(capabilities.reason_string == "welcome");
  CHECK(capabilities.stated ==
        std::vector<std::string>{"wildcard-subscription-available", "shared-subscription-available",
                                 "subscription-identifier-available", "receive-maximum", "server-keep-alive",
                                 "session-expiry-interval", "response-information", "server-reference",
                                 "reason-string", "content-type"});
  CHECK(capabilities.maximum_qos == 2);
  CHECK(capabilities.retain_available);
}

TEST_CASE("the probe report reads as name: value lines") {
  ProbeReport report;
  report.broker = "broker:1883";
  report.address = "192.0.2.1";
  report.port = 1883;
  report.protocol = "MQTT v5";
  report.client_id = "auto-1";
  report.client_id_assigned = true;
  report.keepalive = 60;
  report.capabilities = read_capabilities(connack_properties().get());
  CHECK(probe_text(report) == "broker: broker:1883\n"
                              "address: 192.0.2.1 port 1883\n"
                              "tls: no\n"
                              "mqtt: MQTT v5\n"
                              "session present: no\n"
                              "client id: auto-1 (assigned by the broker)\n"
                              "maximum QoS: 1\n"
                              "retain available: no\n"
                              "wildcard subscriptions: yes (default)\n"
                              "shared subscriptions: yes (default)\n"
                              "subscription identifiers: yes (default)\n"
                              "maximum packet size: 4096 bytes\n"
                              "topic alias maximum: 10\n"
                              "receive maximum: 65535 (default)\n"
                              "server keep alive: 60 s (ours, accepted)\n"
                              "user property: region=eu\n");
  const nlohmann::json json = probe_json(report);
  CHECK(json["connected"] == true);
  CHECK(json["tls"].is_null());
  CHECK(json["capabilities"]["maximum_packet_size"] == 4096);
  CHECK(json["capabilities"]["user_properties"] == nlohmann::json::array({{"region", "eu"}}));
}

TEST_CASE("a failed probe's JSON carries the error and its exit code") {
  ProbeReport report;
  report.broker = "broker:1883";
  report.failure =
      Error{Exit::network, "cannot connect to broker:1883", "nothing is listening there", "start it"};
  const nlohmann::json json = probe_json(report);
  CHECK(json["connected"] == false);
  CHECK(json["error"]["exit_code"] == 3);
  CHECK(json["error"]["cause"] == "nothing is listening there");
  CHECK_FALSE(json.contains("mqtt"));
}

TEST_CASE("-d prints property lists on one line") {
  CHECK(trace::properties_text(nullptr) == "none");
  CHECK(trace::properties_text(connack_properties().get()) ==
        "maximum-qos=1, retain-available=0, maximum-packet-size=4096, topic-alias-maximum=10, "
        "assigned-client-identifier='auto-1', user-property 'region'='eu'");
}

TEST_CASE("-d prints binary data in hex, of longer data the first 32 bytes and the length") {
  std::string data;
  for (char byte = 0; byte < 40; ++byte)
    data += byte;
  Properties properties;
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, std::string_view{"\0\xab", 2});
  properties.add_binary(MQTT_PROP_CORRELATION_DATA, data);
  properties.add_varint(MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 300);
  properties.add_string(MQTT_PROP_CONTENT_TYPE, "");
  properties.add_string_pair(MQTT_PROP_USER_PROPERTY, "k", "");
  CHECK(trace::properties_text(properties.get()) ==
        "correlation-data=00ab, "
        "correlation-data=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f... (40 bytes), "
        "subscription-identifier=300, content-type='', user-property 'k'=''");
}

TEST_CASE(
    "a relayed probe names the transport, the proxy and its address, the HTTP status, the subprotocol") {
  ProbeReport report;
  report.broker = "wss://broker:443/mqtt";
  report.transport = "wss";
  report.proxy = "http://alice:***@proxy:3128 (HTTP CONNECT)";
  report.address = "192.0.2.7";
  report.port = 3128;
  report.http_status = "HTTP/1.1 101 Switching Protocols";
  CHECK(report.relayed());
  CHECK(probe_text(report) == "broker: wss://broker:443/mqtt\n"
                              "transport: wss\n"
                              "proxy: http://alice:***@proxy:3128 (HTTP CONNECT)\n"
                              "proxy address: 192.0.2.7 port 3128\n"
                              "http status: HTTP/1.1 101 Switching Protocols\n"
                              "websocket subprotocol: none\n"
                              "tls: no\n");
  const nlohmann::json json = probe_json(report);
  CHECK(json["transport"] == "wss");
  CHECK(json["http_status"] == "HTTP/1.1 101 Switching Protocols");
  CHECK(json["subprotocol"].is_null());
}

TEST_CASE("a direct probe prints no transport lines and its JSON names the transport") {
  ProbeReport report;
  report.broker = "broker:8883";
  report.transport = "mqtts";
  CHECK_FALSE(report.relayed());
  CHECK(probe_text(report) == "broker: broker:8883\ntls: no\n");
  CHECK(probe_json(report)["proxy"].is_null());
}
