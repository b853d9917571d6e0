// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";

/// @title Harbour HKD Money Market Fund units (demo)
/// @notice ERC-20 fund units with 6 decimals; the value of one unit is published by `navFeed()`.
///         The transfer agent (owner) issues units on subscription and cancels them on redemption.
contract MoneyMarketFund is ERC20, Ownable {
    AggregatorV3Interface private immutable _navFeed;

    error InvalidNavFeed();

    constructor(address navFeed_) ERC20("Harbour HKD Money Market Fund", "HMMF") Ownable(msg.sender) {
        if (navFeed_ == address(0)) revert InvalidNavFeed();
        _navFeed = AggregatorV3Interface(navFeed_);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function navFeed() external view returns (address) {
        return address(_navFeed);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external onlyOwner {
        _burn(from, amount);
    }
}
