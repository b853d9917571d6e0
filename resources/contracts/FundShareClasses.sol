// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Share classes of a Harbour fund as ERC-1155 token ids (demo)
/// @notice Id 1 is "Class A" (retail), id 2 is "Class I" (institutional). The transfer agent
///         (owner) issues shares; metadata follows the ERC-1155 `{id}` URI template.
contract FundShareClasses is ERC1155, Ownable {
    uint256 public constant CLASS_A = 1;
    uint256 public constant CLASS_I = 2;

    error UnknownShareClass(uint256 id);

    constructor(string memory uri_) ERC1155(uri_) Ownable(msg.sender) {}

    function name() external pure returns (string memory) {
        return "Harbour Fund Share Classes";
    }

    function symbol() external pure returns (string memory) {
        return "HFSC";
    }

    function className(uint256 id) public pure returns (string memory) {
        if (id == CLASS_A) return "Class A";
        if (id == CLASS_I) return "Class I";
        revert UnknownShareClass(id);
    }

    function mint(address to, uint256 id, uint256 amount) external onlyOwner {
        className(id);
        _mint(to, id, amount, "");
    }
}
