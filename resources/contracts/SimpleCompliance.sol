// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICompliance} from "./interfaces/ICompliance.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/// @title Rule-based compliance for one permissioned token (ERC-3643-style, demo)
/// @notice Rules, checked in this order:
///         1. the compliance must be bound to a token;
///         2. the sender's country must not be blocked (not checked for mints);
///         3. the receiver's country must not be blocked;
///         4. the receiver's balance after the transfer must not exceed `maxBalance` (0 = no limit).
///         `transferRestriction` returns which rule fails, so a pre-flight can explain a refusal.
contract SimpleCompliance is ICompliance, Ownable {
    uint8 public constant RESTRICTION_NONE = 0;
    uint8 public constant RESTRICTION_TOKEN_NOT_BOUND = 1;
    uint8 public constant RESTRICTION_SENDER_COUNTRY_BLOCKED = 2;
    uint8 public constant RESTRICTION_RECEIVER_COUNTRY_BLOCKED = 3;
    uint8 public constant RESTRICTION_MAX_BALANCE_EXCEEDED = 4;

    IIdentityRegistry private immutable _identityRegistry;
    address private _token;
    uint256 private _maxBalance;
    mapping(uint16 country => bool) private _blockedCountries;

    event TokenBound(address indexed token);
    event TokenUnbound(address indexed token);
    event MaxBalanceSet(uint256 maxBalance);
    event CountryBlocked(uint16 indexed country, bool blocked);

    error InvalidIdentityRegistry();
    error InvalidToken(address token);
    error TokenAlreadyBound(address token);

    constructor(address identityRegistry_) Ownable(msg.sender) {
        if (identityRegistry_ == address(0)) revert InvalidIdentityRegistry();
        _identityRegistry = IIdentityRegistry(identityRegistry_);
    }

    function identityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    function tokenBound() external view returns (address) {
        return _token;
    }

    function maxBalance() external view returns (uint256) {
        return _maxBalance;
    }

    function isCountryBlocked(uint16 country) external view returns (bool) {
        return _blockedCountries[country];
    }

    function bindToken(address token) external onlyOwner {
        if (token == address(0)) revert InvalidToken(token);
        if (_token != address(0)) revert TokenAlreadyBound(_token);
        _token = token;
        emit TokenBound(token);
    }

    function unbindToken(address token) external onlyOwner {
        if (token == address(0) || token != _token) revert InvalidToken(token);
        _token = address(0);
        emit TokenUnbound(token);
    }

    function setMaxBalance(uint256 maxBalance_) external onlyOwner {
        _maxBalance = maxBalance_;
        emit MaxBalanceSet(maxBalance_);
    }

    function setCountryBlocked(uint16 country, bool blocked) external onlyOwner {
        _blockedCountries[country] = blocked;
        emit CountryBlocked(country, blocked);
    }

    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return transferRestriction(from, to, amount) == RESTRICTION_NONE;
    }

    /// @notice The first rule that a transfer (or a mint, with `from` = 0) would break; 0 if none.
    function transferRestriction(address from, address to, uint256 amount) public view returns (uint8) {
        if (_token == address(0)) return RESTRICTION_TOKEN_NOT_BOUND;
        if (from != address(0) && _blockedCountries[_identityRegistry.investorCountry(from)]) {
            return RESTRICTION_SENDER_COUNTRY_BLOCKED;
        }
        if (_blockedCountries[_identityRegistry.investorCountry(to)]) {
            return RESTRICTION_RECEIVER_COUNTRY_BLOCKED;
        }
        if (_maxBalance != 0) {
            // Written so that no `amount` can overflow.
            if (amount > _maxBalance || IERC20(_token).balanceOf(to) > _maxBalance - amount) {
                return RESTRICTION_MAX_BALANCE_EXCEEDED;
            }
        }
        return RESTRICTION_NONE;
    }
}
