// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Harbour Property Deeds: one NFT per registered title deed (demo)
/// @notice The registrar (owner) mints a deed with a URI pointing at the title documents.
///         Token ids start at 1.
contract PropertyDeed is ERC721URIStorage, Ownable {
    uint256 private _lastTokenId;

    constructor() ERC721("Harbour Property Deeds", "HDEED") Ownable(msg.sender) {}

    function mint(address to, string calldata deedURI) external onlyOwner returns (uint256 tokenId) {
        tokenId = ++_lastTokenId;
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, deedURI);
    }

    function totalMinted() external view returns (uint256) {
        return _lastTokenId;
    }
}
