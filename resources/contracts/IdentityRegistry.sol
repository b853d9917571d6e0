// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AgentRole} from "./utils/AgentRole.sol";
import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/// @title ERC-3643-style identity registry (demo)
/// @notice Agents of the registry (appointed by the owner) record which wallets belong to investors
///         that passed KYC, with the investor's country (ISO 3166-1 numeric, e.g. 344 = Hong Kong).
///         A real T-REX registry stores ONCHAINID claims; here registration is the verification.
contract IdentityRegistry is IIdentityRegistry, AgentRole {
    struct Identity {
        bool registered;
        uint16 country;
    }

    mapping(address investor => Identity) private _identities;

    event IdentityRegistered(address indexed investor, uint16 indexed country);
    event IdentityRemoved(address indexed investor);
    event CountryUpdated(address indexed investor, uint16 indexed country);

    error InvalidInvestor(address investor);
    error IdentityAlreadyRegistered(address investor);
    error IdentityNotRegistered(address investor);

    constructor() Ownable(msg.sender) {}

    function registerIdentity(address investor, uint16 country) external onlyAgent {
        if (investor == address(0)) revert InvalidInvestor(investor);
        if (_identities[investor].registered) revert IdentityAlreadyRegistered(investor);
        _identities[investor] = Identity({registered: true, country: country});
        emit IdentityRegistered(investor, country);
    }

    function updateCountry(address investor, uint16 country) external onlyAgent {
        if (!_identities[investor].registered) revert IdentityNotRegistered(investor);
        _identities[investor].country = country;
        emit CountryUpdated(investor, country);
    }

    function deleteIdentity(address investor) external onlyAgent {
        if (!_identities[investor].registered) revert IdentityNotRegistered(investor);
        delete _identities[investor];
        emit IdentityRemoved(investor);
    }

    function contains(address investor) external view returns (bool) {
        return _identities[investor].registered;
    }

    function isVerified(address investor) external view returns (bool) {
        return _identities[investor].registered;
    }

    function investorCountry(address investor) external view returns (uint16) {
        return _identities[investor].country;
    }
}
