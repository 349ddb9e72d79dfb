// SPDX-License-Identifier: Apache-2.0
// Asio, Asio SSL and Beast compiled once here (separate compilation) instead of in every
// translation unit that includes them: it roughly halves build times on two cores.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
