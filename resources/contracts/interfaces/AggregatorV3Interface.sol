// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Chainlink-compatible price / NAV feed interface
/// @notice Same function set as Chainlink's AggregatorV3Interface, so any consumer written for
///         Chainlink feeds can read a Harbour NAV feed unchanged.
interface AggregatorV3Interface {
    function decimals() external view returns (uint8);

    function description() external view returns (string memory);

    function version() external view returns (uint256);

    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
