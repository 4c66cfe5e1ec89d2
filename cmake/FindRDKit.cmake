# Debian's librdkit-dev ships headers and libraries but no CMake package config.
# Defines RDKit::RDKit with the libraries Morgan fingerprints need.
find_path(RDKit_INCLUDE_DIR GraphMol/RDKitBase.h PATH_SUFFIXES rdkit)
set(_rdkit_parts SmilesParse Fingerprints GraphMol DataStructs RDGeneral RingDecomposerLib)
set(RDKit_LIBRARIES)
foreach(part IN LISTS _rdkit_parts)
  find_library(RDKit_${part}_LIBRARY NAMES RDKit${part})
  if(RDKit_${part}_LIBRARY)
    list(APPEND RDKit_LIBRARIES ${RDKit_${part}_LIBRARY})
  elseif(NOT part STREQUAL "RingDecomposerLib")
    set(_rdkit_missing ${part})
  endif()
endforeach()
# RDKit's headers include Boost's (Debian libboost-dev, not pulled in by librdkit-dev).
find_path(RDKit_Boost_INCLUDE_DIR boost/config.hpp)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_Boost_INCLUDE_DIR
  RDKit_SmilesParse_LIBRARY
  RDKit_Fingerprints_LIBRARY RDKit_GraphMol_LIBRARY RDKit_DataStructs_LIBRARY RDKit_RDGeneral_LIBRARY)
if(RDKit_FOUND AND NOT TARGET RDKit::RDKit)
  add_library(RDKit::RDKit INTERFACE IMPORTED)
  set_target_properties(RDKit::RDKit PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR};${RDKit_Boost_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${RDKit_LIBRARIES}")
endif()
