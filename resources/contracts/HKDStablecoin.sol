// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Harbour HKD: a fiat-backed Hong Kong dollar stablecoin (demo)
/// @notice ERC-20 with 6 decimals; the issuer (owner) mints against deposits and burns on redemption.
contract HKDStablecoin is ERC20, Ownable {
    constructor() ERC20("Harbour HKD", "HKDH") Ownable(msg.sender) {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external onlyOwner {
        _burn(from, amount);
    }
}
