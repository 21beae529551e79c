#pragma once
// One simulator connection: read requests, answer them, keep the connection alive. Internal
// to sim/ (it pulls in Asio); mock_provider.cpp's listeners spawn these.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "sim/mock_state.hpp"

namespace spillway::sim {

boost::asio::awaitable<void> serve_plain(boost::asio::ip::tcp::socket socket, MockState& state);

boost::asio::awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket,
                                       boost::asio::ssl::context& tls, MockState& state);

}  // namespace spillway::sim
