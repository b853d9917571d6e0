// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";

/// @title Units of a tokenized fund (demo), named at deployment
/// @notice ERC-20 fund units whose value per unit is published by `navFeed()`, in the feed's currency. The same
///         contract as MoneyMarketFund with the name, symbol and decimals given to the constructor, so that the
///         demo can hold funds in other currencies (the Harbour US Treasury Fund, in USD).
///         The transfer agent (owner) issues units on subscription and cancels them on redemption.
contract FundUnits is ERC20, Ownable {
    AggregatorV3Interface private immutable _navFeed;
    uint8 private immutable _decimals;

    error InvalidNavFeed();

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address navFeed_)
        ERC20(name_, symbol_)
        Ownable(msg.sender)
    {
        if (navFeed_ == address(0)) revert InvalidNavFeed();
        _navFeed = AggregatorV3Interface(navFeed_);
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
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
