#pragma once
// The dashboard's endpoints (docs/dashboard.md): the page's files under /ui, and its API under
// /admin/ (stats, events, recent, history). session.cpp routes to them, after the admin check
// for the API. Internal to server/.
#include <string_view>

#include "server/worker.hpp"

namespace spillway::server {

// GET /ui, /ui/...: the page's embedded files; 404 for any other path under /ui/.
asio::awaitable<bool> handle_ui(Client& client, Worker& worker, Dialect dialect, std::string_view path);

// Whether `path` is one of the dashboard API's endpoints (all GET).
bool is_dashboard_api(std::string_view path);

// GET /admin/stats, /admin/events, /admin/recent, /admin/history; the caller checked the admin
// rule.
asio::awaitable<bool> handle_dashboard_api(Client& client, Worker& worker, Dialect dialect, const ClientRequest& req,
                                           std::string_view path);

}  // namespace spillway::server
