// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Owner-managed set of agents (ERC-3643 AgentRole semantics)
/// @notice The owner appoints and removes agents; agents run day-to-day operations.
abstract contract AgentRole is Ownable {
    mapping(address account => bool) private _agents;

    event AgentAdded(address indexed agent);
    event AgentRemoved(address indexed agent);

    error CallerNotAgent(address caller);
    error InvalidAgent(address agent);

    modifier onlyAgent() {
        if (!_agents[msg.sender]) revert CallerNotAgent(msg.sender);
        _;
    }

    function isAgent(address account) public view returns (bool) {
        return _agents[account];
    }

    function addAgent(address agent) external onlyOwner {
        if (agent == address(0) || _agents[agent]) revert InvalidAgent(agent);
        _agents[agent] = true;
        emit AgentAdded(agent);
    }

    function removeAgent(address agent) external onlyOwner {
        if (!_agents[agent]) revert InvalidAgent(agent);
        _agents[agent] = false;
        emit AgentRemoved(agent);
    }
}
