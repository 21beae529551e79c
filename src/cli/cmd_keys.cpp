// `spillway keys create|list|show|revoke`: virtual gateway keys in the gateway's database
// (docs/keys.md). A running gateway picks changes up within a second.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "common/wall_clock.hpp"
#include "audit/schema.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "keys/store.hpp"

namespace spillway::cli {

namespace {

struct KeysOptions {
  std::string db;
  std::string config;
  std::string name;
  std::string priority;
  std::int64_t rpm = 0, tpm = 0, max_concurrency = 0, tokens_per_day = 0, tokens_per_month = 0;
  double usd_per_day = 0, usd_per_month = 0;
  std::vector<std::string> routes;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "spillway keys: " << message << std::endl;
  throw CLI::RuntimeError(2);
}

std::string iso(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// The database: --db, else the config's audit.sqlite, else ./spillway.db.
audit::Database open(const KeysOptions& o) {
  std::string path = o.db;
  if (path.empty() && !o.config.empty()) {
    try {
      auto cfg = config::load_file(o.config, config::env_with_placeholders());  // provider keys unused here
      path = cfg.audit.sqlite;
      if (path.empty()) {
        fail(o.config + " has `audit: off`: keys live in the audit database; give --db FILE");
      }
    } catch (const config::ConfigError& e) {
      fail(e.what());
    }
  }
  if (path.empty()) {
    path = "./spillway.db";
  }
  try {
    return audit::open_database(path, audit::OpenMode::write);
  } catch (const audit::DatabaseError& e) {
    fail(e.what());
  }
}

std::string settings_text(const keys::KeySettings& s) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (s.priority) add("priority " + *s.priority);
  if (s.rpm) add("rpm " + std::to_string(s.rpm));
  if (s.tpm) add("tpm " + std::to_string(s.tpm));
  if (s.max_concurrency) add("max_concurrency " + std::to_string(s.max_concurrency));
  if (s.tokens_per_day) add("tokens/day " + std::to_string(s.tokens_per_day));
  if (s.tokens_per_month) add("tokens/month " + std::to_string(s.tokens_per_month));
  char buf[64];
  if (s.usd_per_day > 0) {
    std::snprintf(buf, sizeof buf, "$%.2f/day", s.usd_per_day);
    add(buf);
  }
  if (s.usd_per_month > 0) {
    std::snprintf(buf, sizeof buf, "$%.2f/month", s.usd_per_month);
    add(buf);
  }
  if (!s.routes.empty()) {
    std::string r;
    for (const auto& x : s.routes) r += (r.empty() ? "" : ",") + x;
    add("routes " + r);
  }
  return out.empty() ? "no limits" : out;
}

void create(const KeysOptions& o) {
  keys::KeySettings s;
  if (!o.priority.empty()) {
    if (o.priority != "interactive" && o.priority != "background") {
      fail("--priority is interactive or background, not " + o.priority);
    }
    s.priority = o.priority;
  }
  s.rpm = o.rpm;
  s.tpm = o.tpm;
  s.max_concurrency = o.max_concurrency;
  s.tokens_per_day = o.tokens_per_day;
  s.tokens_per_month = o.tokens_per_month;
  s.usd_per_day = o.usd_per_day;
  s.usd_per_month = o.usd_per_month;
  s.routes = o.routes;
  auto db = open(o);
  try {
    const auto key = keys::create_key(db.get(), o.name, s, unix_ms());
    std::cout << key << std::endl;
    std::cerr << "created key '" << o.name << "' (" << settings_text(s)
              << "). It is shown once: spillway keeps only its SHA-256." << std::endl;
  } catch (const keys::KeyStoreError& e) {
    fail(e.what());
  }
}

void list(const KeysOptions& o) {
  auto db = open(o);
  const auto all = keys::list_keys(db.get());
  if (all.empty()) {
    std::cout << "no keys (make one with: spillway keys create NAME)" << std::endl;
    return;
  }
  for (const auto& k : all) {
    std::cout << k.name << "  " << k.prefix << "...  created " << iso(k.created_ms)
              << (k.revoked_ms ? "  REVOKED " + iso(*k.revoked_ms) : std::string("  active")) << "  "
              << settings_text(k.settings) << std::endl;
  }
}

void show(const KeysOptions& o) {
  auto db = open(o);
  const auto k = keys::find_key(db.get(), o.name);
  if (!k) {
    fail("no key named '" + o.name + "'");
  }
  std::cout << "name      " << k->name << "\nkey       " << k->prefix << "... (sha256 " << k->sha256 << ")\ncreated   "
            << iso(k->created_ms) << "\nstate     " << (k->revoked_ms ? "revoked " + iso(*k->revoked_ms) : "active")
            << "\nsettings  " << settings_text(k->settings) << std::endl;
  // What the audit records say it used: this UTC day and everything.
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db.get(),
                     "SELECT count(*), coalesce(sum(input_tokens + output_tokens + cache_read_tokens + "
                     "cache_write_tokens), 0), coalesce(sum(cost_usd), 0) FROM request_rows WHERE key_name = "
                     "(SELECT id FROM names WHERE text = ?1) AND start_ms >= ?2",
                     -1, &raw, nullptr);
  audit::Statement stmt(raw);
  for (const auto& [label, since] : {std::pair<const char*, std::int64_t>{"today", unix_ms() - unix_ms() % 86'400'000},
                                     {"all time", 0}}) {
    sqlite3_reset(raw);
    sqlite3_bind_text(raw, 1, k->name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(raw, 2, since);
    if (sqlite3_step(raw) == SQLITE_ROW) {
      std::printf("%-9s %lld requests, %lld tokens, $%.4f\n", label, static_cast<long long>(sqlite3_column_int64(raw, 0)),
                  static_cast<long long>(sqlite3_column_int64(raw, 1)), sqlite3_column_double(raw, 2));
    }
  }
}

void revoke(const KeysOptions& o) {
  auto db = open(o);
  try {
    if (!keys::revoke_key(db.get(), o.name, unix_ms())) {
      fail("no active key named '" + o.name + "'");
    }
  } catch (const keys::KeyStoreError& e) {
    fail(e.what());
  }
  std::cout << "revoked key '" << o.name << "'; a running gateway refuses it within a second" << std::endl;
}

void common_options(CLI::App* cmd, KeysOptions& o) {
  cmd->add_option("--db", o.db, "the gateway's database (default: the config's audit.sqlite, else ./spillway.db)");
  cmd->add_option("-c,--config", o.config, "take the database from this config's audit: section");
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto* keys_cmd = app.add_subcommand("keys", "Virtual gateway keys: per agent or team, with limits and budgets");
  keys_cmd->require_subcommand(1);
  auto o = std::make_shared<KeysOptions>();

  auto* c = keys_cmd->add_subcommand("create", "Create a key; prints it once on stdout");
  c->add_option("name", o->name, "a name for the key (agent or team)")->required();
  common_options(c, *o);
  c->add_option("--priority", o->priority, "interactive or background (default: the route's)");
  c->add_option("--rpm", o->rpm, "requests per minute")->check(CLI::Range(1, 100'000'000));
  c->add_option("--tpm", o->tpm, "tokens (input + output) per minute")->check(CLI::Range(1, 1'000'000'000));
  c->add_option("--max-concurrency", o->max_concurrency, "requests at once")->check(CLI::Range(1, 100'000));
  c->add_option("--tokens-per-day", o->tokens_per_day, "token budget per UTC day")->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000'000}));
  c->add_option("--tokens-per-month", o->tokens_per_month, "token budget per UTC month")->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000'000}));
  c->add_option("--usd-per-day", o->usd_per_day, "spending budget per UTC day, in US dollars")->check(CLI::Range(0.0001, 1e9));
  c->add_option("--usd-per-month", o->usd_per_month, "spending budget per UTC month")->check(CLI::Range(0.0001, 1e9));
  c->add_option("--routes", o->routes, "route names it may use (default: all)")->delimiter(',');
  c->callback([o] { create(*o); });

  auto* l = keys_cmd->add_subcommand("list", "List the keys (never the keys themselves)");
  common_options(l, *o);
  l->callback([o] { list(*o); });

  auto* s = keys_cmd->add_subcommand("show", "One key: its settings and what it used");
  s->add_option("name", o->name, "the key's name")->required();
  common_options(s, *o);
  s->callback([o] { show(*o); });

  auto* r = keys_cmd->add_subcommand("revoke", "Revoke a key (kept in listings and the audit)");
  r->add_option("name", o->name, "the key's name")->required();
  common_options(r, *o);
  r->callback([o] { revoke(*o); });
}

}  // namespace spillway::cli
